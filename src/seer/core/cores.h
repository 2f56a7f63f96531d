// How many CPU cores this process may use: the CPUs in its affinity mask (taskset, docker
// --cpuset-cpus), capped by a cgroup v2 CPU quota (docker --cpus, Kubernetes limits). What
// std::thread::hardware_concurrency() reports is the machine's count, which oversubscribes a
// limited container and slows every parallel loop.
#pragma once

#include <optional>
#include <string>

namespace seer {

// At least 1.
int available_cores();

// The cores a cgroup v2 "cpu.max" line allows ("150000 100000" -> 2, rounded up), or nullopt
// for "max ..." (no quota) and for anything unreadable.
std::optional<int> cores_from_cpu_max(const std::string& line);

}  // namespace seer
