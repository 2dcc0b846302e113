// ParseInterval: the PostgreSQL interval text forms users write in journey definitions.
#include "time.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

namespace journey {

namespace {

enum class Unit : uint8_t { Micro, Milli, Second, Minute, Hour, Day, Week, Month, Year };

struct UnitName {
	std::string_view name;
	Unit unit;
};

constexpr UnitName kUnitNames[] = {
	{"microsecond", Unit::Micro}, {"microseconds", Unit::Micro}, {"us", Unit::Micro},		 {"usec", Unit::Micro},
	{"usecs", Unit::Micro},		  {"millisecond", Unit::Milli},	 {"milliseconds", Unit::Milli}, {"ms", Unit::Milli},
	{"msec", Unit::Milli},		  {"msecs", Unit::Milli},		 {"second", Unit::Second},	   {"seconds", Unit::Second},
	{"sec", Unit::Second},		  {"secs", Unit::Second},		 {"s", Unit::Second},		   {"minute", Unit::Minute},
	{"minutes", Unit::Minute},	  {"min", Unit::Minute},		 {"mins", Unit::Minute},	   {"m", Unit::Minute},
	{"hour", Unit::Hour},		  {"hours", Unit::Hour},		 {"hr", Unit::Hour},		   {"hrs", Unit::Hour},
	{"h", Unit::Hour},			  {"day", Unit::Day},			 {"days", Unit::Day},		   {"d", Unit::Day},
	{"week", Unit::Week},		  {"weeks", Unit::Week},		 {"w", Unit::Week},			   {"month", Unit::Month},
	{"months", Unit::Month},	  {"mon", Unit::Month},			 {"mons", Unit::Month},		   {"year", Unit::Year},
	{"years", Unit::Year},		  {"yr", Unit::Year},			 {"yrs", Unit::Year},		   {"y", Unit::Year},
};

std::optional<Unit>
FindUnit(std::string_view word)
{
	for (const UnitName &entry : kUnitNames)
		if (entry.name == word)
			return entry.unit;
	return std::nullopt;
}

int64_t
MicrosOf(Unit unit)
{
	switch (unit) {
	case Unit::Micro:
		return 1;
	case Unit::Milli:
		return 1000;
	case Unit::Second:
		return kMicrosPerSecond;
	case Unit::Minute:
		return kMicrosPerMinute;
	default:
		return kMicrosPerHour;
	}
}

// Sums of the parts, kept wide until the end so that overflow can be detected.
struct Sums {
	long double months = 0;
	long double days = 0;
	long double micros = 0;
	unsigned seen = 0;	// bit per Unit: Postgres refuses a unit given twice
};

constexpr long double kMaxMagnitude = 1e15L;

class Parser {
public:
	explicit Parser(std::string_view text) : text_(text) {}

	std::optional<Interval>
	Parse()
	{
		SkipSpaces();
		if (pos_ < text_.size() && text_[pos_] == '@')
			++pos_;
		bool any_part = false;
		bool ago = false;
		for (SkipSpaces(); pos_ < text_.size(); SkipSpaces()) {
			if (std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
				if (!any_part || Word() != "ago")
					return std::nullopt;
				SkipSpaces();
				if (pos_ != text_.size())
					return std::nullopt;
				ago = true;
				break;
			}
			if (!Part())
				return std::nullopt;
			any_part = true;
		}
		if (!any_part)
			return std::nullopt;
		return Finish(ago);
	}

private:
	void
	SkipSpaces()
	{
		while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
			++pos_;
	}

	std::string
	Word()
	{
		std::string word;
		while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_])))
			word += static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_++])));
		return word;
	}

	// Digits with an optional fraction; false when there is no digit at all.
	bool
	Number(long double &value, bool &has_fraction)
	{
		const size_t start = pos_;
		value = 0;
		has_fraction = false;
		while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
			value = value * 10 + (text_[pos_++] - '0');
		size_t digits = pos_ - start;
		if (pos_ < text_.size() && text_[pos_] == '.') {
			++pos_;
			has_fraction = true;
			long double scale = 0.1L;
			for (; pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])); ++pos_, ++digits) {
				value += (text_[pos_] - '0') * scale;
				scale /= 10;
			}
		}
		return digits > 0 && value < kMaxMagnitude;
	}

	// Reads two digits (or one) of a time field; false when absent or 60 or more.
	bool
	Sexagesimal(long double &value)
	{
		const size_t start = pos_;
		value = 0;
		while (pos_ < text_.size() && pos_ - start < 2 && std::isdigit(static_cast<unsigned char>(text_[pos_])))
			value = value * 10 + (text_[pos_++] - '0');
		return pos_ > start && value < 60;
	}

	bool
	Mark(unsigned bits)
	{
		if (sums_.seen & bits)
			return false;
		sums_.seen |= bits;
		return true;
	}

	// One "N unit" or "[-]H:MM[:SS[.f]]" part.
	bool
	Part()
	{
		long double sign = 1;
		if (text_[pos_] == '+' || text_[pos_] == '-')
			sign = text_[pos_++] == '-' ? -1 : 1;
		long double value;
		bool has_fraction;
		if (!Number(value, has_fraction))
			return false;
		if (pos_ < text_.size() && text_[pos_] == ':')
			return !has_fraction && TimeField(sign, value);
		SkipSpaces();
		const std::optional<Unit> unit = FindUnit(Word());
		if (!unit || !Mark(1u << static_cast<unsigned>(*unit)))
			return false;
		Add(*unit, sign * value);
		return true;
	}

	bool
	TimeField(long double sign, long double hours)
	{
		long double minutes = 0, seconds = 0;
		++pos_;	// ':'
		if (!Sexagesimal(minutes))
			return false;
		if (pos_ < text_.size() && text_[pos_] == ':') {
			++pos_;
			if (!Sexagesimal(seconds))
				return false;
			if (pos_ < text_.size() && text_[pos_] == '.') {
				long double fraction = 0, scale = 0.1L;
				for (++pos_; pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])); ++pos_) {
					fraction += (text_[pos_] - '0') * scale;
					scale /= 10;
				}
				seconds += fraction;
			}
		}
		if (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])))
			return false;
		const unsigned time_bits = (1u << static_cast<unsigned>(Unit::Hour)) |
								   (1u << static_cast<unsigned>(Unit::Minute)) |
								   (1u << static_cast<unsigned>(Unit::Second));
		if (!Mark(time_bits))
			return false;
		sums_.micros += sign * (hours * kMicrosPerHour + minutes * kMicrosPerMinute + seconds * kMicrosPerSecond);
		return true;
	}

	// Adds a value in a unit; fractions cascade down as Postgres does (a month is 30 days, a day 24 hours).
	void
	Add(Unit unit, long double value)
	{
		const long double whole = std::trunc(value);
		const long double fraction = value - whole;
		switch (unit) {
		case Unit::Year:
			sums_.months += whole * 12 + std::nearbyint(fraction * 12);
			break;
		case Unit::Month:
			sums_.months += whole;
			AddDays(fraction * 30);
			break;
		case Unit::Week:
			AddDays(value * 7);
			break;
		case Unit::Day:
			AddDays(value);
			break;
		default:
			sums_.micros += value * MicrosOf(unit);
		}
	}

	void
	AddDays(long double days)
	{
		const long double whole = std::trunc(days);
		sums_.days += whole;
		sums_.micros += (days - whole) * kMicrosPerDay;
	}

	std::optional<Interval>
	Finish(bool ago) const
	{
		const long double sign = ago ? -1 : 1;
		const long double months = sign * sums_.months;
		const long double days = sign * sums_.days;
		const long double micros = std::nearbyint(sign * sums_.micros);
		constexpr long double kInt32 = std::numeric_limits<int32_t>::max();
		constexpr long double kInt64 = 9.2e18L;
		if (std::fabs(months) > kInt32 || std::fabs(days) > kInt32 || std::fabs(micros) > kInt64)
			return std::nullopt;
		return Interval{static_cast<int32_t>(months), static_cast<int32_t>(days), static_cast<int64_t>(micros)};
	}

	std::string_view text_;
	size_t pos_ = 0;
	Sums sums_;
};

}	 // namespace

std::optional<Interval>
ParseInterval(std::string_view text)
{
	return Parser(text).Parse();
}

}	 // namespace journey
