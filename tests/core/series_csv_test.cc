#include "seer/core/series_csv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "../test_support.h"
#include "seer/core/error.h"

namespace seer {
namespace {

std::filesystem::path write(const testing::ScratchDir& dir, const std::string& text) {
  const auto p = dir / "table.csv";
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// The message of the seer::Error that reading `text` throws ("" when it reads).
std::string error_of(const std::string& text) {
  testing::ScratchDir dir;
  try {
    read_series_csv(write(dir, text));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SeriesCsv, ReadsColumnsAsSeriesWithMissingPoints) {
  testing::ScratchDir dir;
  const auto t = read_series_csv(write(dir,
      "\xEF\xBB\xBFlabelled images, from scratch ,\"pretrained, then fine-tuned\"\n"
      "50, 0.1, 0.8\n\n"
      "100,,0.9\r\n"
      "200,0.5,nan\n"));
  EXPECT_EQ(t.x_name, "labelled images");
  ASSERT_EQ(t.series.size(), 2u);
  EXPECT_EQ(t.series[0].name, "from scratch");
  EXPECT_EQ(t.series[1].name, "pretrained, then fine-tuned");
  EXPECT_EQ(t.series[0].x, (std::vector<double>{50, 100, 200}));
  EXPECT_EQ(t.series[1].x, t.series[0].x);
  EXPECT_DOUBLE_EQ(t.series[0].y[0], 0.1);
  EXPECT_TRUE(std::isnan(t.series[0].y[1]));
  EXPECT_DOUBLE_EQ(t.series[0].y[2], 0.5);
  EXPECT_DOUBLE_EQ(t.series[1].y[1], 0.9);
  EXPECT_TRUE(std::isnan(t.series[1].y[2]));
}

TEST(SeriesCsv, HeaderBytesThatAreNotUtf8AreReadAsCp1252WithAWarning) {
  testing::ScratchDir dir;
  SeriesTable t;
  const std::string err = testing::stderr_of([&] { t = read_series_csv(write(dir, "x,caf\xE9\n1,2\n")); });
  ASSERT_EQ(t.series.size(), 1u);
  EXPECT_EQ(t.series[0].name, "caf\xC3\xA9");
  EXPECT_NE(err.find("table.csv:1: header bytes that are not UTF-8"), std::string::npos) << err;
}

TEST(SeriesCsv, BadTablesNameTheFileAndLine) {
  EXPECT_NE(error_of("n,a\n1,2\n3,2,4\n").find("table.csv:3: 3 cells where the header has 2"), std::string::npos)
      << error_of("n,a\n1,2\n3,2,4\n");
  EXPECT_NE(error_of("n,a\n1,2\n3,x2\n").find("table.csv:3: column 2: 'x2' is not a number"), std::string::npos);
  EXPECT_NE(error_of("n,a\n,2\n").find("table.csv:2: the x cell is empty"), std::string::npos);
  EXPECT_NE(error_of("n\n1\n").find("table.csv:1: the header needs an x column"), std::string::npos);
  EXPECT_NE(error_of("n,\n1,2\n").find("table.csv:1: header cell 2 is empty"), std::string::npos);
  EXPECT_NE(error_of("n,a\n").find("no data rows"), std::string::npos);
  EXPECT_NE(error_of("").find("empty CSV file"), std::string::npos);
  EXPECT_NE(error_of("n,\"a\n1,2\n").find("table.csv:1: a quoted cell is not closed"), std::string::npos);
  EXPECT_NE(error_of("n,a\n1,1e999\n").find("'1e999' is not a number"), std::string::npos);
  try {
    read_series_csv("/nonexistent/t.csv");
    FAIL() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/t.csv"), std::string::npos);
  }
}

}  // namespace
}  // namespace seer
