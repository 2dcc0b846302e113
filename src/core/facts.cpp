// The defaults of Facts: UTC, no function to call, no segment.
#include "facts.hpp"

#include "quote.hpp"

namespace journey {

std::string
Facts::TimeZone()
{
	return "UTC";
}

const TimeZones &
Facts::Zones()
{
	return DefaultTimeZones();
}

Timestamp
AddUserInterval(Timestamp ts, const Interval &interval, Facts &facts)
{
	if (interval.months == 0 && interval.days == 0)
		return AddInterval(ts, interval);
	return AddIntervalInZone(ts, interval, facts.Zones(), facts.TimeZone());
}

Timestamp
SubtractUserInterval(Timestamp ts, const Interval &interval, Facts &facts)
{
	return AddUserInterval(ts, Interval{-interval.months, -interval.days, -interval.micros}, facts);
}

Json
Facts::Call(const std::string &function, const std::string &, const Json &)
{
	throw StepError("cannot call function " + Quoted(function) + ": no function may be called here");
}

std::vector<StoredEvent>
Facts::EventsAfter(const std::string &, Timestamp, Timestamp)
{
	return {};
}

std::optional<FrequencyCap>
Facts::FrequencyCapFor(const std::string &)
{
	return std::nullopt;
}

std::optional<QuietHours>
Facts::QuietHoursFor(const std::string &)
{
	return std::nullopt;
}

int64_t
Facts::CountSends(const std::string &, Timestamp, Timestamp)
{
	return 0;
}

void
Facts::NoteSend(const std::string &channel, Timestamp at)
{
	step_sends_.emplace_back(channel, at);
}

int64_t
Facts::StepSends(const std::string &channel, Timestamp after, Timestamp upto)
{
	int64_t n = 0;
	for (const auto &[c, at] : step_sends_)
		if (c == channel && at > after && at <= upto)
			++n;
	return n;
}

TopicStanding
Facts::Topic(const std::string &, const std::string &)
{
	return {};
}

bool
Facts::InSegment(const std::string &segment)
{
	throw StepError("cannot tell whether the user is in segment " + Quoted(segment) + ": no segments are known here");
}

}	 // namespace journey
