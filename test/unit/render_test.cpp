// Templates: roots, the default filter, missing variables, and that nothing is ever executed.
#include "core/render.hpp"
#include "fake_facts.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;

class RenderTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		facts.attributes["first_name"] = "Ann";
		facts.attributes["score"] = 42;
		facts.attributes["address"] = Json::parse(R"({"city": "Lyon"})");
		facts.attributes["nickname"] = "";
	}

	std::string
	Render(std::string_view text)
	{
		return RenderString(text, scope);
	}

	FakeFacts facts;
	std::string name = "cart_abandonment";
	Json event = Json::parse(R"({"sku": "SKU-1", "price": 9.5, "qty": 2, "tags": ["a", "b"], "gift": false,
								 "meta": {"color": "red"}, "none": null})");
	Json context = Json::parse(R"({"order": {"id": 77, "lines": [{"sku": "X"}]}, "coupon": "WELCOME"})");
	RenderScope scope{&name, &event, &context, &facts};
};

TEST_F(RenderTest, Roots)
{
	EXPECT_EQ(Render("Hi {{user.first_name}}!"), "Hi Ann!");
	EXPECT_EQ(Render("{{event.sku}}"), "SKU-1");
	EXPECT_EQ(Render("{{context.coupon}}"), "WELCOME");
	EXPECT_EQ(Render("{{journey.name}}"), "cart_abandonment");
}

TEST_F(RenderTest, NestedPathsAndSpaces)
{
	EXPECT_EQ(Render("{{ context.order.id }}"), "77");
	EXPECT_EQ(Render("{{context.order.lines.0.sku}}"), "X");
	EXPECT_EQ(Render("{{  event.meta.color  }}"), "red");
	EXPECT_EQ(Render("{{user.address.city}}"), "Lyon");
	EXPECT_EQ(Render("{{event.tags.1}}"), "b");
}

TEST_F(RenderTest, NonStringValuesAsCompactJson)
{
	EXPECT_EQ(Render("{{event.price}}"), "9.5");
	EXPECT_EQ(Render("{{event.qty}}"), "2");
	EXPECT_EQ(Render("{{user.score}}"), "42");
	EXPECT_EQ(Render("{{event.gift}}"), "false");
	EXPECT_EQ(Render("{{event.tags}}"), R"(["a","b"])");
	EXPECT_EQ(Render("{{event.meta}}"), R"({"color":"red"})");
}

TEST_F(RenderTest, MissingRendersEmpty)
{
	EXPECT_EQ(Render("[{{user.last_name}}]"), "[]");
	EXPECT_EQ(Render("[{{event.none}}]"), "[]");
	EXPECT_EQ(Render("[{{event.sku.deeper}}]"), "[]");
	EXPECT_EQ(Render("[{{context.order.lines.5.sku}}]"), "[]");
	EXPECT_EQ(Render("[{{context.nope.x}}]"), "[]");
	RenderScope empty;
	EXPECT_EQ(RenderString("[{{user.x}}{{event.x}}{{context.x}}{{journey.name}}]", empty), "[]");
}

TEST_F(RenderTest, DefaultFilter)
{
	EXPECT_EQ(Render(R"({{user.last_name | default: "friend"}})"), "friend");
	EXPECT_EQ(Render("{{user.last_name|default:'friend'}}"), "friend");
	EXPECT_EQ(Render(R"({{ event.none | default: "n/a" }})"), "n/a");
	EXPECT_EQ(Render(R"({{ user.nickname | default: "buddy" }})"), "buddy");	// empty string
	EXPECT_EQ(Render(R"({{ user.first_name | default: "friend" }})"), "Ann");
	EXPECT_EQ(Render(R"({{ event.gift | default: "yes" }})"), "false");
	EXPECT_EQ(Render(R"({{ user.x | default: "" }})"), "");
	EXPECT_EQ(Render(R"({{ user.x | default: "a | b }" }})"), "a | b }");
	EXPECT_EQ(Render(R"({{ user.x | default: 'say "hi"' }})"), "say \"hi\"");
}

TEST_F(RenderTest, TextOutsideIsCopied)
{
	EXPECT_EQ(Render(""), "");
	EXPECT_EQ(Render("no templates here"), "no templates here");
	EXPECT_EQ(Render("a } b { c }} d"), "a } b { c }} d");
	EXPECT_EQ(Render("{{event.sku}}{{event.qty}}"), "SKU-12");
	EXPECT_EQ(Render("€ {{event.price}} ✓"), "€ 9.5 ✓");
}

TEST_F(RenderTest, NothingExecutes)
{
	// A value that itself looks like a template is inserted as it is, never rendered again.
	facts.attributes["bio"] = "{{context.coupon}} '; DROP TABLE users; --";
	EXPECT_EQ(Render("{{user.bio}}"), "{{context.coupon}} '; DROP TABLE users; --");
	// Bad expressions (a stored template is not validated at define) are copied, not evaluated.
	EXPECT_EQ(Render("{{ system('ls') }}"), "{{ system('ls') }}");
	EXPECT_EQ(Render("{{ secret.key }} ok {{event.sku}}"), "{{ secret.key }} ok SKU-1");
	EXPECT_EQ(Render("{{ event.sku | upper }}"), "{{ event.sku | upper }}");
	EXPECT_EQ(Render("tail {{event.sku"), "tail {{event.sku");
}

TEST_F(RenderTest, RenderJsonRendersEveryString)
{
	const Json data = Json::parse(R"({"sku": "{{event.sku}}", "n": 3, "flag": true, "none": null,
									  "list": ["{{user.first_name}}", 1, {"deep": "{{journey.name}}"}],
									  "{{event.sku}}": "keys stay"})");
	const Json rendered = RenderJson(data, scope);
	EXPECT_EQ(rendered, Json::parse(R"({"sku": "SKU-1", "n": 3, "flag": true, "none": null,
										"list": ["Ann", 1, {"deep": "cart_abandonment"}],
										"{{event.sku}}": "keys stay"})"));
	EXPECT_EQ(RenderJson(Json::object(), scope), Json::object());
}

TEST(CheckTemplate, Good)
{
	for (const char *text : {"", "plain", "{{user.a}}", "{{ user.a.b }}", "{{event}}", "{{event.x}}", "{{context}}",
							 "{{context.a.0.b}}", "{{journey.name}}", R"({{user.a | default: "x"}})",
							 "{{user.a|default:'x'}}", "a }} b", "{{ event.sku }} and {{ context.k }}"})
		EXPECT_EQ(CheckTemplate(text), "") << text;
}

TEST(CheckTemplate, Problems)
{
	EXPECT_EQ(CheckTemplate("{{user.a"), "unclosed \"{{\"");
	EXPECT_EQ(CheckTemplate("x {{ {{user.a}}"), "unclosed \"{{\"");
	EXPECT_EQ(CheckTemplate("{{}}"), "empty template expression");
	EXPECT_EQ(CheckTemplate("{{   }}"), "empty template expression");
	EXPECT_NE(CheckTemplate("{{secret.key}}").find("unknown template root \"secret\""), std::string::npos);
	EXPECT_NE(CheckTemplate("{{name}}").find("unknown template root \"name\""), std::string::npos);
	EXPECT_EQ(CheckTemplate("{{user}}"), "expected user.ATTRIBUTE");
	EXPECT_NE(CheckTemplate("{{journey.id}}").find("only journey.name"), std::string::npos);
	EXPECT_NE(CheckTemplate("{{journey}}").find("only journey.name"), std::string::npos);
	EXPECT_NE(CheckTemplate("{{user..a}}").find("bad template variable"), std::string::npos);
	EXPECT_NE(CheckTemplate("{{user.a b}}").find("bad template variable"), std::string::npos);
	EXPECT_NE(CheckTemplate("{{user.a | upper}}").find("unknown filter \"upper\""), std::string::npos);
	EXPECT_NE(CheckTemplate("{{user.a | default}}").find("bad default filter"), std::string::npos);
	EXPECT_NE(CheckTemplate("{{user.a | default: x}}").find("bad default filter"), std::string::npos);
	EXPECT_NE(CheckTemplate(R"({{user.a | default: "x}})").find("bad default filter"), std::string::npos);
	EXPECT_NE(CheckTemplate(R"({{user.a | default: "x" | default: "y"}})").find("bad default filter"),
			  std::string::npos);
	EXPECT_NE(CheckTemplate("ok {{user.a}} then {{bad.x}}").find("unknown template root \"bad\""), std::string::npos);
}

}	 // namespace
}	 // namespace journey
