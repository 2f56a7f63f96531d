// seer::warn and the WarningCollector: what is printed, what is collected.
#include "seer/core/error.h"

#include <thread>

#include <gtest/gtest.h>

#include "test_support.h"

namespace seer {
namespace {

TEST(Warnings, CollectorGetsEveryRecordedWarningWhilePrintingStaysTheSame) {
  std::vector<std::string> messages;
  const std::string printed = seer::testing::stderr_of([&] {
    warn("before");  // no collector yet: printed only
    WarningCollector collector;
    warn("one");
    warn("quiet", WarningOutput::record_only);
    warn("summary", WarningOutput::print_only);
    std::thread([] { warn("from a thread"); }).join();
    messages = collector.messages();
    EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([] { WarningCollector second; }),
                                        "another collector is already active"));
  });
  EXPECT_EQ(printed, "warning: before\nwarning: one\nwarning: summary\nwarning: from a thread\n");
  EXPECT_EQ(messages, (std::vector<std::string>{"one", "quiet", "from a thread"}));
  // Gone with its scope: a new one starts empty.
  WarningCollector again;
  EXPECT_TRUE(again.messages().empty());
}

}  // namespace
}  // namespace seer
