// OverlayFacts: attribute changes of update nodes seen on top of the caller's Facts.
#include "evaluation.hpp"

namespace journey::detail {

void
OverlayFacts::Set(const std::string &name, std::optional<Json> value)
{
	for (auto &change : changes_)
		if (change.first == name) {
			change.second = std::move(value);
			return;
		}
	changes_.emplace_back(name, std::move(value));
}

std::optional<Json>
OverlayFacts::Attribute(const std::string &name)
{
	for (const auto &change : changes_)
		if (change.first == name)
			return change.second;
	return base_.Attribute(name);
}

int64_t
OverlayFacts::CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to,
						  const PropsFilter *filter, int64_t stop_after)
{
	return base_.CountEvents(name, from, to, filter, stop_after);
}

std::vector<StoredEvent>
OverlayFacts::EventsAfter(const std::string &name, Timestamp after, Timestamp upto)
{
	return base_.EventsAfter(name, after, upto);
}

bool
OverlayFacts::InSegment(const std::string &segment)
{
	return base_.InSegment(segment);
}

std::optional<FrequencyCap>
OverlayFacts::FrequencyCapFor(const std::string &channel)
{
	return base_.FrequencyCapFor(channel);
}

std::optional<QuietHours>
OverlayFacts::QuietHoursFor(const std::string &channel)
{
	return base_.QuietHoursFor(channel);
}

int64_t
OverlayFacts::CountSends(const std::string &channel, Timestamp after, Timestamp upto)
{
	return base_.CountSends(channel, after, upto);
}

void
OverlayFacts::NoteSend(const std::string &channel, Timestamp at)
{
	base_.NoteSend(channel, at);
}

int64_t
OverlayFacts::StepSends(const std::string &channel, Timestamp after, Timestamp upto)
{
	return base_.StepSends(channel, after, upto);
}

TopicStanding
OverlayFacts::Topic(const std::string &topic, const std::string &channel)
{
	return base_.Topic(topic, channel);
}

Contact
OverlayFacts::ContactFor(const std::string &channel)
{
	return base_.ContactFor(channel);
}

std::optional<StoredTemplate>
OverlayFacts::Template(const std::string &name, const std::string &channel)
{
	return base_.Template(name, channel);
}

std::string
OverlayFacts::TimeZone()
{
	return base_.TimeZone();
}

const TimeZones &
OverlayFacts::Zones()
{
	return base_.Zones();
}

Json
OverlayFacts::Call(const std::string &function, const std::string &user_id, const Json &context)
{
	return base_.Call(function, user_id, context);
}

}	 // namespace journey::detail
