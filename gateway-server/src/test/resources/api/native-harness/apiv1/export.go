package v1

import dto "histtest/dto"

// MakeEncodableMetrics exports makeEncodableMetrics for the harness.
func MakeEncodableMetrics(metrics []*dto.Metric, metricsType dto.MetricType) []encodableMetric {
	return makeEncodableMetrics(metrics, metricsType)
}
