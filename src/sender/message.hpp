// One outbox row as a sender holds it, and what became of its delivery.
#pragma once

#include <string>

namespace journey::sender {

struct Message {
	long long id = 0;
	long long lease_id = 0;
	int attempts = 0;
	std::string user_id;
	std::string channel;
	std::string dedup_key;
	std::string last_error; // of the previous attempt (a permanent failure marker survives a restart)
	std::string payload;	// the row's payload, JSON text
	std::string envelope;	// {id, journey, version, node, user_id, channel, template, topic, dedup_key, ...}
	std::string to;			// payload.to
	std::string subject;	// payload.subject (else the template's name)
	std::string body;		// payload.body (else payload.data as JSON)
};

enum class Result {
	Sent,	   // the provider accepted it: ack
	Retry,	   // a transient failure: fail with backoff (retry_in null)
	Dead,	   // a permanent failure: the row goes dead with the provider's error
	Released,  // not attempted (the sender is stopping): failed back with retry_in 0
	Abandoned, // in flight when a second signal came: neither acked nor failed, left to its lease
};

struct Outcome {
	Result result = Result::Retry;
	std::string error;	  // the provider's error (HTTP status and body, SMTP reply, stderr)
	std::string response; // the provider's answer when it was accepted (a webhook's body)
};

} // namespace journey::sender
