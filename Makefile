# pg_journey — PGXS build of the extension, plus the project's commands.
#   make / make install     build and install the extension (root)
#   make test               dependencies, build, private cluster, every suite; ends "N passed, M failed"
#   make demo / demo-stop   the demo on its own private cluster
#   make report             report/index.html: every journey of the demo database (REPORT_DB=name: report/name.html)
#   make unit               GoogleTest of src/core only (no Postgres)
#   make fuzz               the libFuzzer targets of src/core, FUZZ_SECONDS (default 300) each (make test: 20)
#   make bench              the benchmark harness (not part of make test)
#   make format             clang-format every C++ file

EXTENSION   = pg_journey
EXTVERSION  = 0.5.0
MODULE_big  = pg_journey

CORE_SRCS   = $(sort $(wildcard src/core/*.cpp))
PG_SRCS     = $(sort $(wildcard src/pg/*.cpp) $(wildcard src/ext/*.cpp) $(wildcard src/ext/*/*.cpp))
OBJS        = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

SQL_PARTS   = $(sort $(wildcard src/sql/*.sql))
DATA_built  = sql_built/$(EXTENSION)--$(EXTVERSION).sql
# Earlier versions' scripts: 0.1.0's whole script (so that a database can be made at 0.1.0) and the updates.
DATA        = $(sort $(wildcard upgrade/$(EXTENSION)--*.sql))
REGRESS     = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=plpgsql

PG_CPPFLAGS = -Isrc
PG_CXXFLAGS = -std=c++20 -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
              -Wno-register -MMD -MP
SHLIB_LINK  = -lstdc++

EXTRA_CLEAN = sql_built $(OBJS:.o=.d)

# Debian's server is built with LLVM: PGXS would also compile every .cpp to bitcode with clang,
# without PG_CXXFLAGS. The extension gains nothing from JIT inlining.
override with_llvm := no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

$(DATA_built): $(SQL_PARTS) Makefile
	@mkdir -p $(dir $@)
	cat $(SQL_PARTS) > $@

.PHONY: deps test unit fuzz demo demo-stop report bench format cluster-stop
deps:
	@scripts/deps.sh

test:
	@scripts/test.sh

unit:
	@scripts/unit.sh

FUZZ_SECONDS ?= 300
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

demo:
	@scripts/demo.sh

demo-stop:
	@scripts/cluster.sh stop demo

report:
	@scripts/report.sh $(REPORT_DB)

cluster-stop:
	@for p in test plain demo bench; do scripts/cluster.sh stop $$p; done

bench:
	@scripts/bench.sh

format:
	clang-format -i $(CORE_SRCS) $(PG_SRCS) $(wildcard src/*/*.hpp src/ext/*/*.hpp src/sender/*.cpp src/sender/*.hpp src/sender/channels/*.cpp src/sender/channels/*.hpp) $(wildcard test/unit/*.cpp test/unit/*.hpp)

# journey-sender (src/sender): a program on libpq and libcurl, not part of the extension's library.
#   make journey-sender / make install-sender (to pg_config --bindir); `all`, `install` and `clean` include it.
SENDER_SRCS   = $(sort $(wildcard src/sender/*.cpp src/sender/channels/*.cpp))
SENDER_OBJS   = $(SENDER_SRCS:.cpp=.o)
SENDER_BINDIR ?= $(shell $(PG_CONFIG) --bindir)
SENDER_CXXFLAGS = -std=c++20 -O2 -g -Wall -Wextra -Werror -MMD -MP -Isrc -I$(shell $(PG_CONFIG) --includedir) \
                  -DJOURNEY_SENDER_VERSION='"$(EXTVERSION)"'
SENDER_LIBS   = -L$(shell $(PG_CONFIG) --libdir) -lpq -lcurl -lcrypto

.PHONY: install-sender clean-sender
all: journey-sender
install: install-sender
clean: clean-sender

$(SENDER_OBJS): %.o: %.cpp
	$(CXX) $(SENDER_CXXFLAGS) -c -o $@ $<

journey-sender: $(SENDER_OBJS)
	$(CXX) -o $@ $(SENDER_OBJS) $(SENDER_LIBS)

install-sender: journey-sender
	install -d '$(DESTDIR)$(SENDER_BINDIR)'
	install -m 755 journey-sender '$(DESTDIR)$(SENDER_BINDIR)/journey-sender'

clean-sender:
	rm -f journey-sender $(SENDER_OBJS) $(SENDER_OBJS:.o=.d)

-include $(SENDER_OBJS:.o=.d)
