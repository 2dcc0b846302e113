// Parsing of ISO 8601 timestamps and dates.
#include "iso_time.hpp"

#include "civil.hpp"

#include <cstdio>

namespace journey {

namespace {

class Reader {
public:
	explicit Reader(std::string_view text) : text_(text) {}

	bool
	Done() const
	{
		return pos_ == text_.size();
	}

	bool
	Peek(char c) const
	{
		return pos_ < text_.size() && text_[pos_] == c;
	}

	bool
	Skip(char c)
	{
		if (!Peek(c))
			return false;
		++pos_;
		return true;
	}

	// Exactly `digits` decimal digits.
	std::optional<int>
	Number(size_t digits)
	{
		if (pos_ + digits > text_.size())
			return std::nullopt;
		int value = 0;
		for (size_t i = 0; i < digits; ++i) {
			const char c = text_[pos_ + i];
			if (c < '0' || c > '9')
				return std::nullopt;
			value = value * 10 + (c - '0');
		}
		pos_ += digits;
		return value;
	}

	// 1 to 6 fraction digits as microseconds.
	std::optional<int64_t>
	Fraction()
	{
		int64_t value = 0;
		size_t digits = 0;
		while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
			if (++digits > 6)
				return std::nullopt;
			value = value * 10 + (text_[pos_++] - '0');
		}
		if (digits == 0)
			return std::nullopt;
		for (size_t i = digits; i < 6; ++i)
			value *= 10;
		return value;
	}

	char
	Next()
	{
		return pos_ < text_.size() ? text_[pos_++] : '\0';
	}

private:
	std::string_view text_;
	size_t pos_ = 0;
};

bool
ParseOffset(Reader &in, IsoTime &time)
{
	if (in.Skip('Z') || in.Skip('z')) {
		time.offset_micros = 0;
		return in.Done();
	}
	const char sign = in.Next();
	if (sign != '+' && sign != '-')
		return false;
	const std::optional<int> hours = in.Number(2);
	if (!hours || *hours > 15)
		return false;
	int minutes = 0;
	if (!in.Done()) {
		in.Skip(':');
		const std::optional<int> m = in.Number(2);
		if (!m || *m > 59)
			return false;
		minutes = *m;
	}
	const int64_t offset = *hours * kMicrosPerHour + minutes * kMicrosPerMinute;
	time.offset_micros = sign == '-' ? -offset : offset;
	return in.Done();
}

}	 // namespace

std::optional<IsoTime>
ParseIsoTime(std::string_view text)
{
	Reader in(text);
	IsoTime time;
	LocalTime &local = time.local;
	const std::optional<int> year = in.Number(4);
	if (!year || *year < 1 || !in.Skip('-'))
		return std::nullopt;
	const std::optional<int> month = in.Number(2);
	if (!month || *month < 1 || *month > 12 || !in.Skip('-'))
		return std::nullopt;
	const std::optional<int> day = in.Number(2);
	if (!day || *day < 1 || *day > detail::DaysInMonth(*year, *month))
		return std::nullopt;
	local.year = *year;
	local.month = *month;
	local.day = *day;
	if (in.Done()) {
		time.date_only = true;
		return time;
	}
	if (!in.Skip('T') && !in.Skip('t') && !in.Skip(' '))
		return std::nullopt;
	const std::optional<int> hour = in.Number(2);
	if (!hour || *hour > 23 || !in.Skip(':'))
		return std::nullopt;
	const std::optional<int> minute = in.Number(2);
	if (!minute || *minute > 59)
		return std::nullopt;
	local.hour = *hour;
	local.minute = *minute;
	if (in.Skip(':')) {
		const std::optional<int> second = in.Number(2);
		if (!second || *second > 59)
			return std::nullopt;
		local.second = *second;
		if (in.Skip('.')) {
			const std::optional<int64_t> fraction = in.Fraction();
			if (!fraction)
				return std::nullopt;
			local.micros = *fraction;
		}
	}
	if (in.Done())
		return time;
	if (!ParseOffset(in, time))
		return std::nullopt;
	return time;
}

Timestamp
IsoTimeInstant(const IsoTime &time, const TimeZones &zones, const std::string &tz)
{
	if (time.offset_micros)
		return CivilTimestamp(time.local) - *time.offset_micros;
	return zones.FromLocal(time.local, tz);
}

std::string
FormatIsoDate(const LocalTime &local)
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", local.year, local.month, local.day);
	return buf;
}

}	 // namespace journey
