// A channel kind delivers a claimed batch: one Outcome per Message, deliveries in parallel.
#pragma once

#include "sender/config.hpp"
#include "sender/message.hpp"

#include <memory>
#include <vector>

namespace journey::sender {

class Channel {
  public:
	virtual ~Channel() = default;
	// Fills outcomes (same size as messages). Once Stopping(), starts nothing more (the rest: Released);
	// once Aborting(), gives up what is in flight (Abandoned).
	virtual void Deliver(const std::vector<Message> &messages, std::vector<Outcome> &outcomes) = 0;
};

std::unique_ptr<Channel> MakeWebhookChannel(const ChannelConfig &config);
std::unique_ptr<Channel> MakeSmtpChannel(const ChannelConfig &config);
std::unique_ptr<Channel> MakeExecChannel(const ChannelConfig &config);

inline std::unique_ptr<Channel>
MakeChannel(const ChannelConfig &config) {
	if (config.kind == "webhook")
		return MakeWebhookChannel(config);
	if (config.kind == "smtp")
		return MakeSmtpChannel(config);
	return MakeExecChannel(config);
}

} // namespace journey::sender
