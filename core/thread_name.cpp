// Thread names through pthread_setname_np, cut to the kernel's 15 characters.
#include "core/thread_name.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace kv {

void name_this_thread(const char* name) {
  constexpr std::size_t max_length = 15;
  const std::string cut(name, std::min(std::strlen(name), max_length));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace kv
