// libFuzzer's entry point for programs with their own `main` (compiler-rt's FuzzerInterface.h):
// parses libFuzzer's command line and fuzzes `callback`.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
