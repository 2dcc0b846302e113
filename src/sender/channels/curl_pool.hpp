// Parallel libcurl transfers over one multi handle: a fixed set of easy handles reused from batch to batch
// (connections kept alive between them).
#pragma once

#include "sender/message.hpp"

#include <curl/curl.h>

#include <functional>
#include <string>
#include <vector>

namespace journey::sender {

struct Transfer {
	CURL *easy = nullptr;
	size_t index = 0;	 // the message's index in the batch
	std::string request; // the body sent (webhook) or the mail read by libcurl (smtp)
	size_t read_offset = 0;
	std::string response; // what the peer answered (webhook)
	curl_slist *headers = nullptr;
	curl_slist *recipients = nullptr;
	char error[CURL_ERROR_SIZE] = {0};
	Outcome early;	   // set by Prepare when the message cannot be sent at all
	bool skip = false; // Prepare decided the outcome (early) without a transfer
};

class CurlPool {
  public:
	explicit CurlPool(int concurrency);
	~CurlPool();
	CurlPool(const CurlPool &) = delete;
	CurlPool &operator=(const CurlPool &) = delete;

	// prepare sets the easy handle's options for messages[t.index] (the handle comes reset, with the
	// transfer's buffers wired); finish turns the transfer's result into an outcome.
	void Run(const std::vector<Message> &messages, std::vector<Outcome> &outcomes,
			 const std::function<void(Transfer &, const Message &)> &prepare,
			 const std::function<Outcome(Transfer &, CURLcode)> &finish);

  private:
	CURLM *multi_ = nullptr;
	std::vector<Transfer> transfers_;
};

} // namespace journey::sender
