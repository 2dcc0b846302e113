// Shape checks shared by every part of a definition, paths and the order of problems.
#include "compiler.hpp"

#include "quote.hpp"
#include "render.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

namespace journey::detail {

std::string
JoinPath(const std::string &path, std::string_view key)
{
	std::string joined = path;
	if (!path.empty())
		joined += '.';
	joined += CutForMessage(key);
	if (key.size() > kMaxQuoted)
		joined += "...";
	return joined;
}

std::string
IndexPath(const std::string &path, size_t index)
{
	return path + "[" + std::to_string(index) + "]";
}

std::string
Quote(std::string_view text)
{
	return Quoted(text);
}

namespace {

// A path split into keys and array indexes, compared element by element (indexes numerically).
using PathPart = std::variant<size_t, std::string>;

std::vector<PathPart>
SplitPath(const std::string &path)
{
	std::vector<PathPart> parts;
	std::string key;
	bool in_key = false;
	for (size_t i = 0; i < path.size(); ++i) {
		const char c = path[i];
		if (c == '.' || c == '[') {
			if (in_key)
				parts.emplace_back(key);
			key.clear();
			in_key = c == '.';
			if (c == '[') {
				const size_t close = path.find(']', i);
				if (close == std::string::npos)
					break;
				parts.emplace_back(static_cast<size_t>(std::stoull("0" + path.substr(i + 1, close - i - 1))));
				i = close;
			}
			continue;
		}
		in_key = true;
		key += c;
	}
	if (in_key)
		parts.emplace_back(key);
	return parts;
}

}	 // namespace

void
SortProblems(std::vector<Problem> &problems)
{
	std::stable_sort(problems.begin(), problems.end(),
					 [](const Problem &a, const Problem &b) { return SplitPath(a.path) < SplitPath(b.path); });
}

void
Compiler::Error(const std::string &path, std::string message)
{
	problems_.push_back({path, std::move(message), kSqlstateInvalidParameter});
}

void
Compiler::NotSupported(const std::string &path, std::string_view construct)
{
	problems_.push_back({path, Quote(construct) + " is not supported yet", kSqlstateNotSupported});
}

bool
Compiler::Refused(const std::string &path, std::string_view construct)
{
	const auto &refused = options_.not_supported;
	if (std::find(refused.begin(), refused.end(), construct) == refused.end())
		return false;
	NotSupported(path, construct);
	return true;
}

void
Compiler::NotAllowed(const std::string &path, std::string message)
{
	problems_.push_back({path, std::move(message), kSqlstateNotAllowed});
}

bool
Compiler::ExpectObject(const Json &value, const std::string &path, std::string_view what)
{
	if (value.is_object())
		return true;
	Error(path, "expected an object (" + std::string(what) + ")");
	return false;
}

void
Compiler::CheckKeys(const Json &object, const std::string &path, std::initializer_list<std::string_view> known,
					std::initializer_list<std::string_view> not_yet)
{
	for (const auto &[key, value] : object.items()) {
		if (std::find(known.begin(), known.end(), key) != known.end())
			continue;
		if (std::find(not_yet.begin(), not_yet.end(), key) != not_yet.end())
			NotSupported(JoinPath(path, key), key);
		else
			Error(JoinPath(path, key), "unknown key " + Quote(key));
	}
}

const Json *
Compiler::Optional(const Json &object, std::string_view key) const
{
	const auto it = object.find(key);
	return it == object.end() ? nullptr : &*it;
}

const Json *
Compiler::Required(const Json &object, std::string_view key, const std::string &path)
{
	const Json *value = Optional(object, key);
	if (value == nullptr)
		Error(JoinPath(path, key), "required key is missing");
	return value;
}

std::optional<std::string>
Compiler::Name(const Json &value, const std::string &path)
{
	if (!value.is_string() || value.get_ref<const std::string &>().empty()) {
		Error(path, "expected a non-empty string");
		return std::nullopt;
	}
	return value.get<std::string>();
}

std::optional<Interval>
Compiler::Duration(const Json &value, const std::string &path, DurationRule rule)
{
	if (!value.is_string()) {
		Error(path, "expected a duration (interval text such as \"2 hours\")");
		return std::nullopt;
	}
	const std::string &text = value.get_ref<const std::string &>();
	const std::optional<Interval> interval = ParseInterval(text);
	if (!interval) {
		Error(path, "invalid duration " + Quote(text));
		return std::nullopt;
	}
	if (rule != DurationRule::Any && interval->IsNegative()) {
		Error(path, "duration must not be negative");
		return std::nullopt;
	}
	const long double total = static_cast<long double>(interval->months) * 30 * kMicrosPerDay +
							  static_cast<long double>(interval->days) * kMicrosPerDay + interval->micros;
	if (rule == DurationRule::Positive && total <= 0) {
		Error(path, "duration must be positive");
		return std::nullopt;
	}
	// At most 100 years either way (a month counted as an average Gregorian month, 30.4375 days): a
	// longer wait is a mistake, and at the far end a timestamp runs out (wake_at = infinity).
	constexpr long double kMaxDays = 36525;
	const long double days =
		static_cast<long double>(interval->months) * 30.4375L + interval->days + interval->micros / (long double)kMicrosPerDay;
	if (days > kMaxDays || days < -kMaxDays) {
		Error(path, "duration " + Quote(text) + " is longer than 100 years");
		return std::nullopt;
	}
	return interval;
}

std::optional<int64_t>
Compiler::Integer(const Json &value, const std::string &path, int64_t min, std::string_view expected)
{
	std::optional<int64_t> number;
	if (value.is_number_integer() && !(value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX))
		number = value.get<int64_t>();
	else if (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>() &&
			 std::fabs(value.get<double>()) < 9e18)
		number = static_cast<int64_t>(value.get<double>());
	if (!number || *number < min) {
		Error(path, "expected " + std::string(expected));
		return std::nullopt;
	}
	return number;
}

std::optional<double>
Compiler::Number(const Json &value, const std::string &path, double min, double max, std::string_view expected)
{
	if (!value.is_number() || !(value.get<double>() >= min && value.get<double>() <= max)) {
		Error(path, "expected " + std::string(expected));
		return std::nullopt;
	}
	return value.get<double>();
}

std::optional<int>
Compiler::Clock(const Json &value, const std::string &path)
{
	std::optional<int> minutes;
	if (value.is_string())
		minutes = ParseClock(value.get_ref<const std::string &>());
	if (!minutes)
		Error(path, "expected a time of day \"HH:MM\" (00:00 to 23:59), got " + value.dump());
	return minutes;
}

std::optional<std::string>
Compiler::Zone(const Json &value, const std::string &path)
{
	if (!value.is_string() || value.get_ref<const std::string &>().empty()) {
		Error(path, "expected \"user\" or a time zone name such as \"Europe/Paris\"");
		return std::nullopt;
	}
	const std::string &name = value.get_ref<const std::string &>();
	if (name == "user")
		return std::string();
	if (options_.check_environment && !zones_.IsValid(name)) {
		Error(path, "unknown time zone " + Quote(name));
		return std::nullopt;
	}
	return name;
}

std::optional<std::string>
Compiler::Channel(const Json &value, const std::string &path)
{
	std::optional<std::string> channel = Name(value, path);
	if (!channel)
		return std::nullopt;
	const auto &extra = options_.extra_channels;
	if (!IsBuiltinChannel(*channel) && std::find(extra.begin(), extra.end(), *channel) == extra.end()) {
		Error(path, "unknown channel " + Quote(*channel));
		return std::nullopt;
	}
	return channel;
}

bool
Compiler::Declared(const std::vector<std::string> &declared, const std::string &name, const std::string &path,
				   std::string_view what, std::string_view declared_by)
{
	if (!options_.check_environment || std::find(declared.begin(), declared.end(), name) != declared.end())
		return true;
	problems_.push_back(Problem{path,
								"unknown " + std::string(what) + " " + Quote(name) + " (" + std::string(declared_by) + ")",
								kSqlstateUndefinedObject});
	return false;
}

std::optional<std::string>
Compiler::Segment(const Json &value, const std::string &path)
{
	if (!value.is_string() || !IsValidJourneyName(value.get_ref<const std::string &>())) {
		Error(path, "expected a segment name ([a-z][a-z0-9_]*, at most 63 characters), got " + value.dump());
		return std::nullopt;
	}
	std::string name = value.get<std::string>();
	if (!Declared(options_.segments, name, path, "segment", "journey.define_segment defines one"))
		return std::nullopt;
	return name;
}

// Checks every string inside a value (recursively) as a template.
void
Compiler::Template(const Json &value, const std::string &path, int depth)
{
	if (depth > kMaxNesting) {
		Error(path, "nested too deeply (at most " + std::to_string(kMaxNesting) + " levels)");
	} else if (value.is_string()) {
		const std::string problem = CheckTemplate(value.get_ref<const std::string &>());
		if (!problem.empty())
			Error(path, problem);
	} else if (value.is_object()) {
		for (const auto &[key, item] : value.items())
			Template(item, JoinPath(path, key), depth + 1);
	} else if (value.is_array()) {
		for (size_t i = 0; i < value.size(); ++i)
			Template(value[i], IndexPath(path, i), depth + 1);
	}
}

std::optional<std::string>
Compiler::KindKey(const Json &object, const std::string &path, std::string_view what,
				  std::initializer_list<std::string_view> kinds, std::initializer_list<std::string_view> not_yet)
{
	std::vector<std::string> found;
	for (const auto &[key, value] : object.items())
		if (std::find(kinds.begin(), kinds.end(), key) != kinds.end() ||
			std::find(not_yet.begin(), not_yet.end(), key) != not_yet.end())
			found.push_back(key);
	if (found.size() == 1)
		return found[0];
	if (found.empty()) {
		std::string expected;
		for (std::string_view kind : kinds)
			expected += (expected.empty() ? "" : ", ") + std::string(kind);
		Error(path, "unknown " + std::string(what) + " kind: expected one of " + expected);
	} else {
		std::string keys;
		for (const std::string &key : found)
			keys += (keys.empty() ? "" : ", ") + Quote(key);
		Error(path, "a " + std::string(what) + " must have exactly one kind key, found " + keys);
	}
	return std::nullopt;
}

}	 // namespace journey::detail
