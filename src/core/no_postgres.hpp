// Included first by every src/core header: the core is pure C++ and must never see a Postgres header
// (DESIGN.md, boundary rule 3). The Postgres layer (src/pg, src/ext) defines JOURNEY_PG_LAYER and
// includes the core's headers before Postgres's.
#pragma once

#if defined(POSTGRES_H) && !defined(JOURNEY_PG_LAYER)
static_assert(false, "src/core must not include Postgres headers");
#endif
#if defined(POSTGRES_H) && defined(JOURNEY_PG_LAYER)
static_assert(false, "include src/core headers before postgres.h (pg/postgres.hpp does)");
#endif
