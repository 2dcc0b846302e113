// The scheduler background workers: advance due steps continuously in journey.database.
#pragma once

namespace journey {

void RegisterSchedulerWorkers();

}	 // namespace journey
