# pinion — plain GNU make. See README.md.
#
#   make                 deps for the host (on demand) and ./pinion
#   make check           host unit tests + fast integration tests (before each commit, < 3 min)
#   make test            everything: unit tests on every target (qemu for ARM), integration, fuzz replay
#   make cross           static stripped pinion-x86_64, pinion-aarch64, pinion-armel (each <= 1 MiB)
#   make SANITIZE=address,undefined test
#   make demo            the main job on an embedded example (issue 3)
#   make fuzz            libFuzzer targets (clang)
#
# TARGET selects the toolchain from build/deps/<TARGET>/toolchain.mk, written by scripts/deps.

TARGET   ?= host
SANITIZE ?=
BUILD    := build
DEPS     := $(BUILD)/deps/$(TARGET)
OUT      := $(BUILD)/$(TARGET)$(if $(SANITIZE),-san)
CROSS_TARGETS := x86_64-musl aarch64-musl armel-musl
# the largest a shipped binary may be (bytes)
BINARY_MAX := 1048576

# -Werror in development builds of the host; release and cross builds keep the warnings without it
ifeq ($(TARGET),host)
DEV ?= 1
else
DEV ?= 0
endif

BASE_VERSION := 0.1.0
GIT_REV := $(shell git describe --always --dirty --exclude='*' 2>/dev/null)
VERSION := $(BASE_VERSION)$(if $(GIT_REV),+g$(GIT_REV))

NODEPS_GOALS := clean distclean help
ifeq ($(filter $(NODEPS_GOALS),$(MAKECMDGOALS)),)
include $(DEPS)/toolchain.mk
endif

$(DEPS)/toolchain.mk: scripts/deps scripts/mbedtls_config.h
	scripts/deps $(TARGET)
	@touch $@

WARN := -std=c11 -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wshadow \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -fno-common -fstack-protector-strong
ifeq ($(DEV),1)
WARN += -Werror
endif

ifeq ($(TARGET),host)
OPT     := -O2 -g
LDSTATIC :=
else
OPT     := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
# musl's allocator is slow for many small blocks and returns large free ones to the kernel at once: malloc and
# friends go through the free lists of platform/alloc.c (see alloc.h). -z norelro: musl's static start-up
# never applies PT_GNU_RELRO (no mprotect in strace), and aligning the relro end to a page cost the aarch64
# binary 15 KB of padding.
LDSTATIC := -static -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,norelro \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free -Wl,--undefined=__wrap_malloc
MALLOC_CACHE := -DPN_MALLOC_CACHE
endif
# armel (ARMv5TE/ARMv6, every 32-bit Pi): pinion's own code as Thumb, 118 KB smaller (1,078,124 -> 959,340
# bytes); the libraries whose loops are hot (zlib, sha1dc, mbedTLS, libyaml, cJSON) stay ARM code, and the
# linker makes the ARM/Thumb calls (BLX, ARMv5T and later).
ifeq ($(TARGET),armel-musl)
OPT += -mthumb
endif
ifneq ($(SANITIZE),)
OPT += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN := -fsanitize=$(SANITIZE)
endif

CPPFLAGS := -D_GNU_SOURCE -DPN_VERSION='"$(VERSION)"' $(MALLOC_CACHE) -I$(DEPS)/include -MMD -MP
CFLAGS   := $(WARN) $(OPT)
LDFLAGS  := $(LDSTATIC) $(LDSAN) $(LDEXTRA)
LIBS     := -L$(DEPS)/lib -lssh2 -lmbedtls -lmbedx509 -lmbedcrypto -lyaml -lcjson -lsha1dc -lz
# pinion signs Ed25519 itself (agent/source/ed25519.c); while scripts/deps still builds libsodium, the unit tests
# link it as an independent implementation to compare signatures with (PN_TEST_SODIUM).
TEST_SODIUM := $(if $(wildcard $(DEPS)/lib/libsodium.a),1)
TEST_CPPFLAGS := $(if $(TEST_SODIUM),-DPN_TEST_SODIUM)
TEST_LIBS := $(if $(TEST_SODIUM),-lsodium) -lcmocka

SRCS := $(sort $(wildcard agent/*/*.c platform/*.c))
OBJS := $(SRCS:%.c=$(OUT)/obj/%.o)
MAIN_OBJ := $(OUT)/obj/agent/main.o
LIB  := $(OUT)/libpinion.a
BIN  := $(OUT)/pinion

UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/unit/%)

.PHONY: all bin unit check test cross release demo fuzz bench conformance clean distclean help deps
.DEFAULT_GOAL := all

all: bin
ifeq ($(TARGET)$(SANITIZE),host)
all: pinion
pinion: $(BIN)
	cp $(BIN) $@
endif

bin: $(BIN)

$(OUT)/obj/%.o: %.c $(DEPS)/toolchain.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(filter-out $(MAIN_OBJ),$(OBJS))
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(LIBS)
ifneq ($(MALLOC_CACHE),)
	@# platform/alloc.h: every block passes through its wrappers, so nothing may allocate around them
	@if nm $@ | grep -qE ' (aligned_alloc|posix_memalign|memalign|valloc|pvalloc|malloc_usable_size)$$'; then \
		echo "$@: uses an allocation function platform/alloc.c does not wrap" >&2; rm -f $@; exit 1; fi
endif

# Unit tests: one cmocka program per module, linked with the same library as the binary.
$(OUT)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(DEPS_CFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(LIB) \
		$(LIBS) $(TEST_LIBS)

unit: $(UNIT_BINS)

# A static, stripped binary for shipping (musl targets).
release: $(OUT)/pinion.stripped
$(OUT)/pinion.stripped: $(BIN)
	$(STRIP) -o $@ $(BIN)

cross:
	@for t in $(CROSS_TARGETS); do $(MAKE) --no-print-directory TARGET=$$t release unit || exit 1; done
	@for t in $(CROSS_TARGETS); do \
		a=$${t%-musl}; cp $(BUILD)/$$t/pinion.stripped pinion-$$a; \
		s=$$(stat -c %s pinion-$$a); printf '%-16s %8d bytes\n' pinion-$$a $$s; \
		if [ $$s -gt $(BINARY_MAX) ]; then echo "pinion-$$a exceeds $(BINARY_MAX) bytes" >&2; exit 1; fi; \
	done

deps:
	scripts/deps host $(CROSS_TARGETS)

# libFuzzer targets (clang, ASan+UBSan), one per parser: tests/fuzz/fuzz_<parser>.c, linked with every module
# except main.c. The modules are compiled once with clang (-fsanitize=fuzzer-no-link: coverage, no main) into
# build/fuzz/obj/ and archived; each target links against that archive, so 21 targets cost one compile of the
# sources, not 21. Seed corpora: tests/fuzz/corpus/<parser>/.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SAN := address,undefined
FUZZ_CFLAGS := -g -O1 -fno-sanitize-recover=all -D_GNU_SOURCE -I$(BUILD)/deps/host/include
FUZZ_OBJS := $(filter-out $(BUILD)/fuzz/obj/agent/main.o,$(SRCS:%.c=$(BUILD)/fuzz/obj/%.o))
FUZZ_LIB := $(BUILD)/fuzz/libpinion-fuzz.a
fuzz: $(FUZZ_BINS)
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c $< -o $@
$(FUZZ_LIB): $(FUZZ_OBJS)
	@rm -f $@
	llvm-ar rcs $@ $^ 2>/dev/null || ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< $(FUZZ_LIB) -L$(BUILD)/deps/host/lib \
		-lssh2 -lmbedtls -lmbedx509 -lmbedcrypto -lyaml -lcjson -lsha1dc -lz
-include $(FUZZ_OBJS:.o=.d)

# check: host only, fast. test: every target and every phase. tests/run prints the summary line.
check: all unit
	scripts/setup-tests
	python3 tests/run --quick $(if $(SANITIZE),--sanitize) --out $(OUT)

test:
	scripts/setup-tests
	$(MAKE) --no-print-directory all unit
ifeq ($(SANITIZE),)
	$(MAKE) --no-print-directory cross
	$(MAKE) --no-print-directory fuzz
	python3 tests/run --out $(OUT) --cross "$(CROSS_TARGETS)"
else
	python3 tests/run --sanitize --out $(OUT)
endif

clean:
	rm -rf $(BUILD)/host $(BUILD)/host-san $(addprefix $(BUILD)/,$(CROSS_TARGETS)) $(BUILD)/test pinion \
		$(addprefix pinion-,x86_64 aarch64 armel)

# also the dependency libraries and downloaded sources
distclean: clean
	rm -rf $(BUILD)

help:
	@sed -n '2,12s/^# \{0,1\}//p' Makefile

-include $(OBJS:.o=.d)
# the unit test programs' own dependencies (pn_test.h, the headers they include), written by -MMD beside them
-include $(UNIT_BINS:=.d)

# The kustomize conformance corpus (../shared/corpus), byte for byte; skipped with a note when absent.
conformance: all
	python3 tests/conformance/run.py --pinion ./pinion

# Benchmarks against git and kubectl in the same run (ratios, peak RSS); never part of the tests.
bench: all
	$(MAKE) --no-print-directory cross
	scripts/setup-tests
	python3 scripts/bench

# The main job on the embedded example: a real git http-backend and the API emulator on loopback.
demo: all
	scripts/setup-tests
	python3 scripts/demo
