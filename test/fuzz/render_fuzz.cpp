// libFuzzer target: the template renderer. The input is a template (the text of a send's data value, its
// "to", or a stored template's subject or body): CheckTemplate, then RenderString against a fixed scope
// (a journey name, an event, a context, user attributes). When the input is also JSON, RenderJson renders
// every string inside it, as a send's data is rendered. A bad template is expected (it renders as literal
// text); an exception, a sanitizer report, a crash or a hang is a finding.
#include "core/render.hpp"
#include "fake_facts.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

struct Scope {
	journey::testing::FakeFacts facts;
	std::string name = "cart_abandonment";
	journey::Json event = journey::Json::parse(
		R"({"sku": "SKU-1", "price": 9.5, "qty": 2, "tags": ["a", "b", {"deep": [1, [2, [3]]]}], "gift": false,
		    "meta": {"color": "red", "": "empty key", "0": "zero"}, "none": null, "utf8": "caf\u00e9 \ud83d\ude00"})");
	journey::Json context = journey::Json::parse(
		R"({"order": {"id": 77, "lines": [{"sku": "X"}, {"sku": "Y", "qty": 3}]}, "coupon": "WELCOME",
		    "score": {"value": 1e300, "neg": -0.0, "big": 18446744073709551615}})");
	journey::RenderScope scope{&name, &event, &context, &facts};

	Scope() {
		facts.attributes["first_name"] = "Ann";
		facts.attributes["plan"] = "";
		facts.attributes["score"] = 42;
		facts.attributes["address"] = journey::Json::parse(R"({"city": "Lyon", "lines": ["1 rue", "2e"]})");
		facts.attributes["bytes"] = std::string("\xff\xfe\xc3", 3); // not UTF-8: dumped with replacement
	}
};

[[noreturn]] void
Fail(const char *what) {
	std::fprintf(stderr, "render_fuzz: %s\n", what);
	std::abort();
}

}	 // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static Scope fixed;
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	try {
		const std::string problem = journey::CheckTemplate(text);
		const std::string rendered = journey::RenderString(text, fixed.scope);
		// Text without "{{" is copied unchanged.
		if (text.find("{{") == std::string_view::npos && rendered != text)
			Fail("text without an expression changed when rendered");
		if (text.find("{{") == std::string_view::npos && !problem.empty())
			Fail("text without an expression reported a problem");
		// A scope with nothing in it: every variable renders as "" or its default.
		journey::RenderScope empty;
		(void)journey::RenderString(text, empty);

		const journey::Json value = journey::Json::parse(text, nullptr, false);
		if (!value.is_discarded())
			(void)journey::RenderJson(value, fixed.scope);
	} catch (const std::exception &error) {
		std::fprintf(stderr, "render_fuzz: uncaught exception: %s\n", error.what());
		std::abort();
	} catch (...) {
		Fail("uncaught exception of an unknown type");
	}
	return 0;
}
