// A main() for a fuzz target without libFuzzer: runs LLVMFuzzerInitialize (if the target
// has one) once, then LLVMFuzzerTestOneInput on the whole of each file named on the
// command line, in order.
//
// Why: the regression inputs in fuzz/regressions/ (and the seed corpora) are then replayed
// by the normal test suite with the project's own compiler, in the plain and the
// ASan + UBSan builds, not only by fuzz/run with clang. tests/fuzz_replay.cmake builds one
// replayer per target and registers a CTest test per regression input, named after it.
//
// A failed FUZZ_CHECK traps (SIGILL) and a sanitizer report aborts, so CTest sees the
// test fail; a slow input fails by CTest's TIMEOUT. Exit 0 means every file ran cleanly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

// Optional in a target, as with libFuzzer: a weak declaration is null when it is absent.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE...\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: error: cannot open\n", argv[i]);
      return 2;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    // libFuzzer never passes a null pointer, even for an empty input; neither do we.
    static const uint8_t kEmpty = 0;
    const uint8_t* data = bytes.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(bytes.data());
    LLVMFuzzerTestOneInput(data, bytes.size());
  }
  std::fprintf(stderr, "replayed %d input(s)\n", argc - 1);
  return 0;
}
