// The events a segment refresh records, and the schedules pg_cron accepts.
#include "compile.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace journey {

namespace {

constexpr std::string_view kEnterPrefix = "segment_enter:";
constexpr std::string_view kExitPrefix = "segment_exit:";

struct CronField {
	const char *name;
	int min;
	int max;
	std::array<const char *, 12> words;	 // names of the values from min on (months, weekdays), or empty
};

constexpr std::array<CronField, 5> kCronFields = {{
	{"minute", 0, 59, {}},
	{"hour", 0, 23, {}},
	{"day of month", 1, 31, {}},
	{"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}};

// A number, or a name of the field's values (case-insensitive); -1 when neither.
int
CronValue(std::string_view text, const CronField &field)
{
	if (text.empty() || text.size() > 3)
		return -1;
	if (std::isdigit(static_cast<unsigned char>(text[0]))) {
		int n = 0;
		for (char c : text) {
			if (!std::isdigit(static_cast<unsigned char>(c)))
				return -1;
			n = n * 10 + (c - '0');
		}
		return n;
	}
	for (size_t i = 0; i < field.words.size() && field.words[i] != nullptr; ++i) {
		const std::string_view word = field.words[i];
		if (text.size() == word.size() &&
			std::equal(text.begin(), text.end(), word.begin(),
					   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
			return field.min + static_cast<int>(i);
	}
	return -1;
}

// One field: a comma-separated list of *, N, N-M, each optionally /STEP. Empty when valid.
std::string
CheckCronField(std::string_view text, const CronField &field)
{
	const std::string bad = "invalid " + std::string(field.name) + " \"" + std::string(text) + "\" (" +
							std::to_string(field.min) + " to " + std::to_string(field.max) + ")";
	size_t start = 0;
	while (start <= text.size()) {
		const size_t comma = text.find(',', start);
		std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
		const size_t slash = item.find('/');
		if (slash != std::string_view::npos) {
			const int step = CronValue(item.substr(slash + 1), CronField{"step", 1, 0, {}});
			if (step < 1 || step > field.max)
				return bad;
			item = item.substr(0, slash);
		}
		if (item == "*" || (field.min == 1 && field.max == 31 && item == "$")) {
			// every value; "$" is pg_cron's last day of the month
		} else {
			const size_t dash = item.find('-');
			const int low = CronValue(item.substr(0, dash), field);
			const int high = dash == std::string_view::npos ? low : CronValue(item.substr(dash + 1), field);
			if (low < field.min || high > field.max || low < 0 || high < low)
				return bad;
		}
		if (comma == std::string_view::npos)
			break;
		start = comma + 1;
	}
	return "";
}

}	 // namespace

std::string
SegmentEventName(bool enter, std::string_view segment)
{
	std::string name(enter ? kEnterPrefix : kExitPrefix);
	name += segment;
	return name;
}

bool
IsSegmentEventName(std::string_view name)
{
	return name.substr(0, kEnterPrefix.size()) == kEnterPrefix || name.substr(0, kExitPrefix.size()) == kExitPrefix;
}

std::string
CheckCron(std::string_view cron)
{
	static constexpr std::array<std::string_view, 8> kShorthands = {"@yearly", "@annually", "@monthly", "@weekly",
																	 "@daily",	"@midnight", "@hourly",	 "@reboot"};
	const std::string usage = "expected a pg_cron schedule: five fields (minute hour day-of-month month day-of-week), "
							  "@daily and the like, or \"N seconds\"";
	if (cron.size() > 200)
		return usage;
	std::vector<std::string_view> fields;
	size_t i = 0;
	while (i < cron.size()) {
		while (i < cron.size() && cron[i] == ' ')
			++i;
		const size_t start = i;
		while (i < cron.size() && cron[i] != ' ')
			++i;
		if (i > start)
			fields.push_back(cron.substr(start, i - start));
	}
	if (fields.size() == 1 && fields[0][0] == '@') {
		for (std::string_view shorthand : kShorthands)
			if (fields[0] == shorthand)
				return "";
		return usage + ", got \"" + std::string(cron) + "\"";
	}
	if (fields.size() == 2 && (fields[1] == "seconds" || fields[1] == "second")) {
		const int n = CronValue(fields[0], CronField{"seconds", 1, 59, {}});
		return n >= 1 && n <= 59 ? "" : "expected \"N seconds\" with N from 1 to 59, got \"" + std::string(cron) + "\"";
	}
	if (fields.size() != 5)
		return usage + ", got \"" + std::string(cron) + "\"";
	for (size_t f = 0; f < fields.size(); ++f)
		if (std::string problem = CheckCronField(fields[f], kCronFields[f]); !problem.empty())
			return problem + " in \"" + std::string(cron) + "\"";
	return "";
}

}	 // namespace journey
