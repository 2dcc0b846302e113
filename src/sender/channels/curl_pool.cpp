#include "sender/channels/curl_pool.hpp"

#include "sender/stop.hpp"

#include <stdexcept>

namespace journey::sender {

namespace {

size_t
WriteResponse(char *data, size_t size, size_t count, void *user) {
	auto *t = static_cast<Transfer *>(user);
	size_t n = size * count;
	// Keep the first 64 kB: enough for an error message or a JSON answer.
	if (t->response.size() < 65536)
		t->response.append(data, std::min(n, 65536 - t->response.size()));
	return n;
}

size_t
ReadRequest(char *buffer, size_t size, size_t count, void *user) {
	auto *t = static_cast<Transfer *>(user);
	size_t n = std::min(size * count, t->request.size() - t->read_offset);
	t->request.copy(buffer, n, t->read_offset);
	t->read_offset += n;
	return n;
}

void
Clear(Transfer &t) {
	curl_slist_free_all(t.headers);
	curl_slist_free_all(t.recipients);
	t.headers = t.recipients = nullptr;
	t.request.clear();
	t.response.clear();
	t.read_offset = 0;
	t.error[0] = '\0';
	t.skip = false;
	t.early = Outcome{};
}

} // namespace

CurlPool::CurlPool(int concurrency) : transfers_(static_cast<size_t>(concurrency)) {
	multi_ = curl_multi_init();
	if (multi_ == nullptr)
		throw std::runtime_error("curl_multi_init failed");
	curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(concurrency));
	for (auto &t : transfers_) {
		t.easy = curl_easy_init();
		if (t.easy == nullptr)
			throw std::runtime_error("curl_easy_init failed");
	}
}

CurlPool::~CurlPool() {
	for (auto &t : transfers_) {
		Clear(t);
		curl_easy_cleanup(t.easy);
	}
	curl_multi_cleanup(multi_);
}

void
CurlPool::Run(const std::vector<Message> &messages, std::vector<Outcome> &outcomes,
			  const std::function<void(Transfer &, const Message &)> &prepare,
			  const std::function<Outcome(Transfer &, CURLcode)> &finish) {
	outcomes.assign(messages.size(), Outcome{});
	std::vector<Transfer *> free_list;
	for (auto &t : transfers_)
		free_list.push_back(&t);
	size_t next = 0;
	int active = 0;
	while (true) {
		while (!Stopping() && next < messages.size() && !free_list.empty()) {
			Transfer &t = *free_list.back();
			Clear(t);
			curl_easy_reset(t.easy);
			t.index = next++;
			curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
			curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(t.easy, CURLOPT_ERRORBUFFER, t.error);
			curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, WriteResponse);
			curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
			curl_easy_setopt(t.easy, CURLOPT_READFUNCTION, ReadRequest);
			curl_easy_setopt(t.easy, CURLOPT_READDATA, &t);
			prepare(t, messages[t.index]);
			if (t.skip) {
				outcomes[t.index] = t.early;
				continue;
			}
			free_list.pop_back();
			curl_multi_add_handle(multi_, t.easy);
			++active;
		}
		if (active == 0)
			break;
		if (Aborting()) {
			for (auto &t : transfers_) {
				bool in_use = true;
				for (auto *f : free_list)
					in_use = in_use && f != &t;
				if (in_use) {
					curl_multi_remove_handle(multi_, t.easy);
					outcomes[t.index].result = Result::Abandoned;
					free_list.push_back(&t);
				}
			}
			active = 0;
			break;
		}
		int running = 0;
		curl_multi_perform(multi_, &running);
		int queued = 0;
		while (CURLMsg *m = curl_multi_info_read(multi_, &queued)) {
			if (m->msg != CURLMSG_DONE)
				continue;
			Transfer *t = nullptr;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char **>(&t));
			CURLcode code = m->data.result;
			curl_multi_remove_handle(multi_, m->easy_handle);
			outcomes[t->index] = finish(*t, code);
			free_list.push_back(t);
			--active;
		}
		if (active > 0 && (Stopping() || next >= messages.size() || free_list.empty()))
			curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
	}
	for (size_t i = next; i < messages.size(); ++i) {
		outcomes[i].result = Result::Released;
		outcomes[i].error = "sender stopped before delivering it";
	}
}

} // namespace journey::sender
