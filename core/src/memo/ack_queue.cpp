#include "wirekit/memo/ack_queue.hpp"

namespace wirekit::memo {

bool ack_queue::owe(std::string_view mid, std::string_view source, dialect d, form f,
                    bool is_signed) {
  if (!config_.enabled || d == dialect::legacy) return true;
  const std::string key(mid);
  if (due_index_.contains(key)) return true;  // one ack answers every gram so far
  if (due_.size() >= config_.max_due) return false;
  due_index_.emplace(key, 1);
  due_.push_back({key, std::string(source), d, f, is_signed});
  return true;
}

void ack_queue::delivered(std::string_view mid, std::uint32_t count, bool is_signed,
                          clock::time_point now) {
  std::string key(mid);
  if (done_.contains(key)) return;
  done_.emplace(key, done_memo{count, is_signed});
  done_order_.emplace_back(std::move(key), now);
  while (done_order_.size() > limits_.remembered_memos) {
    done_.erase(done_order_.front().first);
    done_order_.pop_front();
  }
}

void ack_queue::expire(clock::time_point now) {
  while (!done_order_.empty() && now - done_order_.front().second >= limits_.max_age) {
    done_.erase(done_order_.front().first);
    done_order_.pop_front();
  }
}

std::optional<outgoing_ack> ack_queue::take(const reassembly& table) {
  while (!due_.empty()) {
    due d = std::move(due_.front());
    due_.pop_front();
    due_index_.erase(d.mid);
    ack_info info;
    bool is_signed = d.is_signed;
    if (const auto it = done_.find(d.mid); it != done_.end()) {
      info = ack_complete(it->second.count);
      is_signed = it->second.is_signed;
    } else {
      info = ack_from_numbers(table.numbers(d.mid));
    }
    const signing_key* signer = is_signed ? config_.signer : nullptr;
    bytes gram = rend_ack({d.dia, d.frm, d.mid}, info, signer, config_.vid);
    if (gram.empty()) continue;
    return outgoing_ack{std::move(d.source), std::move(d.mid), std::move(gram)};
  }
  return std::nullopt;
}

}  // namespace wirekit::memo
