// webhook: an HTTP POST of the message as JSON, Idempotency-Key: <dedup_key>, an optional HMAC signature.
#include "sender/channels/channel.hpp"
#include "sender/channels/curl_pool.hpp"
#include "sender/hmac.hpp"

namespace journey::sender {

namespace {

std::string
Clip(std::string s, size_t most = 2000) {
	if (s.size() > most)
		s = s.substr(0, most) + "...";
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
		s.pop_back();
	return s;
}

class WebhookChannel : public Channel {
  public:
	explicit WebhookChannel(const ChannelConfig &c) : config_(c), pool_(c.concurrency) {}

	void Deliver(const std::vector<Message> &messages, std::vector<Outcome> &outcomes) override {
		pool_.Run(
			messages, outcomes, [this](Transfer &t, const Message &m) { Prepare(t, m); },
			[](Transfer &t, CURLcode code) { return Finish(t, code); });
	}

  private:
	void Prepare(Transfer &t, const Message &m) {
		t.request = config_.body == "payload" ? m.payload : m.envelope;
		auto add = [&t](const std::string &h) { t.headers = curl_slist_append(t.headers, h.c_str()); };
		add("Content-Type: application/json");
		add("Idempotency-Key: " + m.dedup_key);
		add("Expect:");
		if (!config_.secret.empty())
			add(config_.signature_header + ": sha256=" + HmacSha256Hex(config_.secret, t.request));
		for (const auto &h : config_.headers)
			add(h);
		CURL *e = t.easy;
		curl_easy_setopt(e, CURLOPT_URL, config_.url.c_str());
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.request.data());
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request.size()));
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
		curl_easy_setopt(e, CURLOPT_USERAGENT, "journey-sender");
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout * 1000));
		curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
		if (config_.insecure) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}

	static Outcome Finish(Transfer &t, CURLcode code) {
		Outcome o;
		if (code != CURLE_OK) {
			o.result = Result::Retry;
			o.error = std::string("curl: ") + (t.error[0] ? t.error : curl_easy_strerror(code));
			return o;
		}
		long status = 0;
		curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300) {
			o.result = Result::Sent;
			o.response = std::move(t.response);
			return o;
		}
		// 4xx: the provider will never take it (but 408 and 429 say "later"); anything else: try again.
		bool permanent = status >= 400 && status < 500 && status != 408 && status != 429;
		o.result = permanent ? Result::Dead : Result::Retry;
		o.error = "HTTP " + std::to_string(status) + ": " + Clip(t.response);
		return o;
	}

	ChannelConfig config_;
	CurlPool pool_;
};

} // namespace

std::unique_ptr<Channel>
MakeWebhookChannel(const ChannelConfig &config) {
	return std::make_unique<WebhookChannel>(config);
}

} // namespace journey::sender
