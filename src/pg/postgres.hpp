// The one place the extension's C++ includes the Postgres server headers. The core's headers (and the
// JSON library) come first: Postgres's port.h redefines snprintf and friends as macros, which would
// break C++ library headers included after it.
#pragma once

#define JOURNEY_PG_LAYER 1

#include "core/evaluator.hpp"
#include "core/json.hpp"

#include <string>
#include <vector>

extern "C" {
#include "postgres.h"

#include "fmgr.h"
}
