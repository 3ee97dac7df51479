package histogram

// GetBound exports getBound with no custom values, as the Pushgateway's NewModelHistogram leaves them.
func GetBound(idx, schema int32) float64 {
	return getBound(idx, schema, nil)
}
