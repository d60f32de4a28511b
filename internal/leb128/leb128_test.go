package leb128

import (
	"bytes"
	"math"
	"testing"
)

func TestAppendSigned(t *testing.T) {
	tests := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{63, []byte{0x3f}},
		{64, []byte{0xc0, 0x00}},
		{127, []byte{0xff, 0x00}},
		{128, []byte{0x80, 0x01}},
		{624485, []byte{0xe5, 0x8e, 0x26}},
		{-1, []byte{0x7f}},
		{-64, []byte{0x40}},
		{-65, []byte{0xbf, 0x7f}},
		{-123456, []byte{0xc0, 0xbb, 0x78}},
		{math.MaxInt32, []byte{0xff, 0xff, 0xff, 0xff, 0x07}},
		{math.MinInt32, []byte{0x80, 0x80, 0x80, 0x80, 0x78}},
		{math.MaxInt64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}},
		{math.MinInt64, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}},
	}
	for _, tt := range tests {
		if got := AppendSigned(nil, tt.v); !bytes.Equal(got, tt.want) {
			t.Errorf("AppendSigned(nil, %d) = % x, want % x", tt.v, got, tt.want)
		}
		if got := AppendSigned([]byte{0x41}, tt.v); !bytes.Equal(got, append([]byte{0x41}, tt.want...)) {
			t.Errorf("AppendSigned([41], %d) = % x: the prefix is not kept", tt.v, got)
		}
	}
}
