// Package layout names the objects of the partitioned tree: signal/service/year=/month=/day=/hour=/id-timestamp.parquet.
package layout

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

// maxSegment bounds the service segment; S3 keys may be at most 1024 bytes.
const maxSegment = 128

// EmptyService is the segment for a service named "".
const EmptyService = "unknown_service"

// Key names an object of signal ("logs", "traces", "metrics/gauge"…) for one
// service and hour. id makes the key unique; ts (nanoseconds since the epoch,
// the earliest record's) makes it sortable within a partition by time.
//
//	logs/checkout/year=2026/month=11/day=25/hour=17/0b5e…-1764090000000000000.parquet
func Key(signal, service string, hour int64, id [16]byte, ts int64) string {
	t := time.Unix(hour*3600, 0).UTC()
	b := make([]byte, 0, 128+len(service))
	b = append(b, signal...)
	b = append(b, '/')
	b = AppendSegment(b, service)
	b = append(b, "/year="...)
	b = appendPadded(b, t.Year(), 4)
	b = append(b, "/month="...)
	b = appendPadded(b, int(t.Month()), 2)
	b = append(b, "/day="...)
	b = appendPadded(b, t.Day(), 2)
	b = append(b, "/hour="...)
	b = appendPadded(b, t.Hour(), 2)
	b = append(b, '/')
	b = appendUUID(b, id)
	b = append(b, '-')
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, ".parquet"...)
	return string(b)
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// NewID returns a random (version 4) UUID. It only has to keep keys apart,
// not be secret, so it comes from the runtime's per-thread random source
// (seeded from the system) rather than crypto/rand, whose FIPS module costs
// the WebAssembly build about 100 KB.
func NewID() [16]byte {
	var id [16]byte
	binary.LittleEndian.PutUint64(id[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(id[8:], rand.Uint64())
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

func appendUUID(b []byte, id [16]byte) []byte {
	var s [36]byte
	hex.Encode(s[0:8], id[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], id[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], id[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], id[8:10])
	s[23] = '-'
	hex.Encode(s[24:], id[10:])
	return append(b, s[:]...)
}

// AppendSegment appends service made safe as one path segment of an object
// key and of a local path, and still readable: ASCII letters, digits and
// "-_." stay as they are; every other byte becomes %XX (so "/", "\", "=",
// control characters and spaces cannot split or fake a segment); "." and ".."
// are escaped; "" becomes EmptyService. Names longer than 128 bytes are
// cut and end in a hash of the whole name, so distinct names stay distinct.
func AppendSegment(b []byte, service string) []byte {
	switch service {
	case "":
		return append(b, EmptyService...)
	case ".":
		return append(b, "%2E"...)
	case "..":
		return append(b, "%2E%2E"...)
	}
	start := len(b)
	for i := 0; i < len(service); i++ {
		c := service[i]
		if safe(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
	}
	if len(b)-start > maxSegment {
		sum := fnv64a(service)
		cut := start + maxSegment - 17
		// Do not cut inside a %XX escape.
		for i := cut - 2; i < cut; i++ {
			if i >= start && b[i] == '%' {
				cut = i
			}
		}
		b = append(b[:cut], '~')
		b = hex.AppendEncode(b, binary.BigEndian.AppendUint64(nil, sum))
	}
	return b
}

// fnv64a is the 64-bit FNV-1a hash: stable across versions and platforms,
// which the names of cut segments must be.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func safe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}
