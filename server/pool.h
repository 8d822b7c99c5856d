// Searchers for the server's worker threads. Xapian objects are not thread-safe, so each
// request checks a Searcher out of the pool for its whole duration and gives it back
// (RAII). A pool never blocks: there are at most as many requests at once as worker
// threads, so it holds at most that many Searchers.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "search.h"

namespace oly::server {

class SearcherPool {
 public:
  explicit SearcherPool(SearchOptions options) : options_(std::move(options)) {}

  // A Searcher checked out for one request; back to the pool when destroyed, unless
  // discard() was called (after index trouble: the next request opens the index afresh,
  // which is how the server recovers when a missing index appears again).
  class Lease {
   public:
    Lease(SearcherPool& pool, std::unique_ptr<Searcher> s) : pool_(&pool), s_(std::move(s)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (s_) pool_->give_back(std::move(s_));
    }
    Searcher& operator*() { return *s_; }
    Searcher* operator->() { return s_.get(); }
    void discard() { s_.reset(); }

   private:
    SearcherPool* pool_;
    std::unique_ptr<Searcher> s_;
  };

  // An idle Searcher, or a new one. Throws FatalError when the index cannot be opened.
  Lease acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<Searcher> s = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(s));
      }
    }
    // Opened outside the lock: opening a remote shard can take its connect timeout.
    return Lease(*this, std::make_unique<Searcher>(options_));
  }

  const SearchOptions& options() const { return options_; }

 private:
  void give_back(std::unique_ptr<Searcher> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(std::move(s));
  }
  SearchOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Searcher>> idle_;
};

}  // namespace oly::server
