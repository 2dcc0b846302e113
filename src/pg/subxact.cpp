#include "pg/subxact.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace journey {

SubTransaction::SubTransaction() : context_(CurrentMemoryContext), owner_(CurrentResourceOwner)
{
	MemoryContext context = context_;
	PgCall([&] {
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(context);
	});
	open_ = true;
}

void
SubTransaction::Commit()
{
	MemoryContext context = context_;
	ResourceOwner owner = owner_;
	open_ = false;
	PgCall([&] {
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	});
}

void
SubTransaction::Rollback()
{
	MemoryContext context = context_;
	ResourceOwner owner = owner_;
	open_ = false;
	PgCall([&] {
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	});
}

SubTransaction::~SubTransaction()
{
	if (!open_)
		return;
	try {
		Rollback();
	} catch (...) {
		// Nothing more can be done here; the enclosing transaction will abort.
	}
}

}	 // namespace journey
