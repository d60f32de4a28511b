// Package defaults holds the rule most settings of the engine follow: a
// zero or negative value means the default.
package defaults

// Number is what a setting with a default is: a count, a size, a fraction
// or a time.Duration.
type Number interface {
	~int | ~int64 | ~float64
}

// Positive sets *v to def unless *v is above zero.
func Positive[T Number](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
