#pragma once
/// Counts every heap allocation of the program that includes this header, for the tests and benchmarks
/// that check "no allocation per event" (tests/unit/alerts_alloc_test.cpp, bench/engine.cpp).
/// It replaces the global operator new and delete, so include it in exactly one file of a program.

#include <atomic>
#include <cstdlib>
#include <new>

namespace warden::harness {
/// Heap allocations so far (operator new calls). Read it around the code being measured.
inline std::atomic<long> allocations{0};
}  // namespace warden::harness

// The replaced new and delete pair malloc and free; GCC cannot see that they match.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    warden::harness::allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop
