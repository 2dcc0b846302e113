// An internal subtransaction around one unit of work (one instance's step), so that a failure rolls
// back only that unit: the PL/pgSQL exception-block pattern behind a C++ interface.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "utils/resowner.h"
}

namespace journey {

class SubTransaction {
public:
	SubTransaction();  // begins it
	~SubTransaction(); // rolls it back unless committed
	SubTransaction(const SubTransaction &) = delete;
	SubTransaction &operator=(const SubTransaction &) = delete;

	void Commit();
	void Rollback();

private:
	MemoryContext context_;
	ResourceOwner owner_;
	bool open_ = false;
};

}	 // namespace journey
