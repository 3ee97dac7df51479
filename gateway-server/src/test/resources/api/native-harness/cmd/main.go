// Prints what the Pushgateway v1.10.0 api/v1/api.go (with Prometheus v0.54.1 model/histogram) writes for the
// histogram cases of Cairn's ApiJsonTest, and bounds of native buckets.
package main

import (
	"encoding/json"
	"fmt"
	"math"

	"histtest/apiv1"
	dto "histtest/dto"
	"histtest/histogram"
)

func u64(v uint64) *uint64   { return &v }
func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }
func span(offset int32, length uint32) *dto.BucketSpan {
	return &dto.BucketSpan{Offset: &offset, Length: &length}
}

// render is what api.go writes for one histogram metric without labels, or "PANIC: ..." where it panics.
func render(h *dto.Histogram) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint("PANIC: ", r)
		}
	}()
	b, err := json.Marshal(v1.MakeEncodableMetrics([]*dto.Metric{{Histogram: h}}, dto.MetricType_HISTOGRAM))
	if err != nil {
		panic(err)
	}
	return string(b)
}

type testCase struct {
	name string
	h    *dto.Histogram
}

func main() {
	cases := []testCase{
		{"apiTestIntNative", &dto.Histogram{
			SampleCount: u64(20), SampleSum: f64(99.23), Schema: i32(1),
			NegativeDelta: []int64{0, 2, -2, 0}, PositiveDelta: []int64{0, 2, -2, 0},
			PositiveSpan: []*dto.BucketSpan{span(0, 2), span(0, 2)}, NegativeSpan: []*dto.BucketSpan{span(0, 2), span(0, 2)},
		}},
		{"apiTestFloatNative", &dto.Histogram{
			SampleCountFloat: f64(20), SampleSum: f64(99.23), Schema: i32(1),
			NegativeCount: []float64{2, 2, -2, 0}, PositiveCount: []float64{2, 2, -2, 0},
			PositiveSpan: []*dto.BucketSpan{span(0, 2), span(0, 2)}, NegativeSpan: []*dto.BucketSpan{span(0, 2), span(0, 2)},
		}},
		{"classicAndNative", &dto.Histogram{
			SampleCount: u64(3), SampleSum: f64(2.5), Schema: i32(0),
			Bucket:       []*dto.Bucket{{UpperBound: f64(1), CumulativeCount: u64(1)}, {UpperBound: f64(2), CumulativeCount: u64(3)}},
			PositiveSpan: []*dto.BucketSpan{span(0, 2)}, PositiveDelta: []int64{1, 1},
		}},
		{"zeroBucketAndGaps", &dto.Histogram{
			SampleCount: u64(10), SampleSum: f64(-3.5), Schema: i32(0), ZeroThreshold: f64(0.001), ZeroCount: u64(3),
			NegativeSpan: []*dto.BucketSpan{span(1, 1)}, NegativeDelta: []int64{4},
			PositiveSpan: []*dto.BucketSpan{span(-2, 1), span(3, 2)}, PositiveDelta: []int64{2, -1, -1},
		}},
		{"noOpSpan", &dto.Histogram{
			SampleCount: u64(0), SampleSum: f64(0), Schema: i32(3), ZeroThreshold: f64(2.938735877055719e-39),
			ZeroCount: u64(0), PositiveSpan: []*dto.BucketSpan{span(0, 0)},
		}},
		{"floatByZeroCount", &dto.Histogram{
			SampleSum: f64(0), Schema: i32(0), ZeroCountFloat: f64(2.5),
			PositiveSpan: []*dto.BucketSpan{span(0, 0)},
		}},
		{"zeroCountWithoutSpans", &dto.Histogram{
			SampleCount: u64(5), SampleSum: f64(0), Schema: i32(0), ZeroThreshold: f64(0.001), ZeroCount: u64(5),
		}},
		{"classicMixedFloatCounts", &dto.Histogram{
			SampleCount: u64(4), SampleSum: f64(7),
			Bucket: []*dto.Bucket{
				{UpperBound: f64(1), CumulativeCount: u64(9), CumulativeCountFloat: f64(1.5)},
				{UpperBound: f64(2), CumulativeCount: u64(4)},
				{UpperBound: f64(1), CumulativeCount: u64(2)},
				{UpperBound: f64(math.Inf(1)), CumulativeCount: u64(4), CumulativeCountFloat: f64(math.NaN())},
			},
		}},
		{"hugeCounts", &dto.Histogram{
			SampleCount: u64(math.MaxUint64), SampleSum: f64(1), Schema: i32(0),
			PositiveSpan: []*dto.BucketSpan{span(0, 2)}, PositiveDelta: []int64{-1, math.MinInt64},
		}},
		{"floatNaNAndNegativeZeroCounts", &dto.Histogram{
			SampleCountFloat: f64(1.5), SampleSum: f64(math.NaN()), Schema: i32(-1),
			NegativeSpan: []*dto.BucketSpan{span(-1, 3)}, NegativeCount: []float64{math.NaN(), math.Copysign(0, -1), 0.25},
			PositiveSpan: []*dto.BucketSpan{span(2, 1)}, PositiveCount: []float64{1.25},
		}},
		{"overflowBuckets", &dto.Histogram{
			SampleCount: u64(6), SampleSum: f64(math.Inf(1)), Schema: i32(-4),
			PositiveSpan: []*dto.BucketSpan{span(63, 3)}, PositiveDelta: []int64{1, 0, 0},
			NegativeSpan: []*dto.BucketSpan{span(64, 1)}, NegativeDelta: []int64{3},
		}},
		{"subnormalBounds", &dto.Histogram{
			SampleCount: u64(4), SampleSum: f64(0), Schema: i32(0),
			PositiveSpan: []*dto.BucketSpan{span(-1075, 2)}, PositiveDelta: []int64{1, 0},
			NegativeSpan: []*dto.BucketSpan{span(-1074, 1)}, NegativeDelta: []int64{2},
		}},
		{"zeroLengthSpans", &dto.Histogram{
			SampleCount: u64(3), SampleSum: f64(3), Schema: i32(2),
			PositiveSpan: []*dto.BucketSpan{span(5, 0), span(-2, 1), span(0, 0), span(2, 1)}, PositiveDelta: []int64{1, 1},
		}},
		{"customBucketsSchema", &dto.Histogram{
			SampleCount: u64(3), SampleSum: f64(3), Schema: i32(-53),
			PositiveSpan: []*dto.BucketSpan{span(0, 1)}, PositiveDelta: []int64{3},
		}},
		{"spansBeyondBuckets", &dto.Histogram{
			SampleCount: u64(2), SampleSum: f64(1), Schema: i32(0),
			PositiveSpan: []*dto.BucketSpan{span(0, 3)}, PositiveDelta: []int64{1, 0},
		}},
		{"customBucketsBeyondIndexZero", &dto.Histogram{
			SampleCount: u64(3), SampleSum: f64(3), Schema: i32(-53),
			PositiveSpan: []*dto.BucketSpan{span(0, 2)}, PositiveDelta: []int64{1, 1},
		}},
		{"schemaAboveEight", &dto.Histogram{
			SampleCount: u64(1), SampleSum: f64(1), Schema: i32(9),
			PositiveSpan: []*dto.BucketSpan{span(0, 1)}, PositiveDelta: []int64{1},
		}},
		{"zeroThresholdZero", &dto.Histogram{
			SampleCount: u64(2), SampleSum: f64(0), Schema: i32(0), ZeroCount: u64(2),
			PositiveSpan: []*dto.BucketSpan{span(0, 0)},
		}},
	}
	for _, c := range cases {
		fmt.Printf("%s\t%s\n", c.name, render(c.h))
	}
	for _, c := range []struct{ idx, schema int32 }{
		{0, 0}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {3, 2}, {-5, 3}, {7, 3}, {1, 8}, {255, 8}, {-300, 8},
		{12345, 8}, {-1, 5}, {1023, 6}, {1024, 0}, {1025, 0}, {1, -1}, {-3, -2}, {256, -2}, {257, -2},
		{64, -4}, {-70, -4}, {-1074, 0}, {-1075, 0}, {-1076, 0}, {1, -10}, {1, -70}, {math.MaxInt32, 0},
		{math.MinInt32, 0}, {math.MinInt32, 8}, {math.MaxInt32, 8},
	} {
		fmt.Printf("bound\t%d\t%d\t%v\n", c.idx, c.schema, histogram.GetBound(c.idx, c.schema))
	}
}
