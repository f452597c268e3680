// Package s3 is a storage.Bucket in an S3 bucket or an S3-compatible store (MinIO, versitygw, Cloudflare R2), with create-only writes.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/otlp2parquet/otlp2parquet/storage"
)

// DefaultRegion is used when neither Config.Region nor the environment
// (AWS_REGION, the shared config file) names one.
const DefaultRegion = "us-east-1"

// DefaultMaxAttempts is how often a request is tried, the first time included.
const DefaultMaxAttempts = 3

// Config says which bucket to use and how to reach it. The zero values of
// Region and Endpoint mean AWS itself with the region from the environment.
//
// Cloudflare R2 is Region "auto", Endpoint "https://ACCOUNT.r2.cloudflarestorage.com"
// (its S3 API address); MinIO and versitygw are their address with ForcePathStyle.
type Config struct {
	// Bucket is the bucket's name; it must exist.
	Bucket string
	// Prefix is put before every key ("a/b" and "a/b/" both mean keys under
	// "a/b/") and taken off again by List. Empty means the bucket's root.
	Prefix string
	// Region signs requests; "auto" is R2's.
	Region string
	// Endpoint replaces the AWS address: "http(s)://host[:port]".
	Endpoint string
	// ForcePathStyle addresses the bucket as Endpoint/Bucket/key instead of
	// Bucket.host/key, which most S3-compatible servers need.
	ForcePathStyle bool
}

// Validate reports the first bad setting by name.
func (c Config) Validate() error {
	if c.Bucket == "" {
		return errors.New("s3: config: Bucket is empty")
	}
	if strings.ContainsAny(c.Bucket, "/\\ ") || strings.ContainsFunc(c.Bucket, isControl) {
		return fmt.Errorf("s3: config: Bucket %q: not a bucket name", c.Bucket)
	}
	if _, err := normalizePrefix(c.Prefix); err != nil {
		return err
	}
	if strings.ContainsFunc(c.Region, isControl) || strings.Contains(c.Region, " ") {
		return fmt.Errorf("s3: config: Region %q: not a region name", c.Region)
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil {
			return fmt.Errorf("s3: config: Endpoint %q: %w", c.Endpoint, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("s3: config: Endpoint %q: want http(s)://host[:port]", c.Endpoint)
		}
	}
	if c.Region == "auto" && c.Endpoint == "" {
		return errors.New(`s3: config: Region "auto" needs an Endpoint (it is R2's region, not an AWS one)`)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// normalizePrefix returns prefix ending in "/", or "" for the bucket's root.
func normalizePrefix(prefix string) (string, error) {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return "", nil
	}
	if err := storage.ValidKey(p); err != nil {
		return "", fmt.Errorf("s3: config: Prefix %q: %w", prefix, err)
	}
	return p + "/", nil
}

// Option changes how New builds the client.
type Option func(*options)

type options struct {
	maxAttempts int
	credentials aws.CredentialsProvider
	httpClient  *http.Client
}

// WithMaxAttempts sets how often a request is tried, the first time included
// (default DefaultMaxAttempts; 1 means no retries). The SDK's standard
// retryer decides what is retried and how long to wait; the caller's context
// bounds the total time of a call, retries included.
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// WithCredentials replaces the standard credential chain (environment,
// shared config and credentials files, SSO, web identity, ECS/Lambda and
// EC2 instance roles), for instance with credentials.NewStaticCredentialsProvider.
func WithCredentials(p aws.CredentialsProvider) Option {
	return func(o *options) { o.credentials = p }
}

// WithHTTPClient replaces the SDK's HTTP client.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// Bucket stores each object as the S3 object Prefix+key.
type Bucket struct {
	client *s3.Client
	bucket string
	prefix string
}

var (
	_ storage.Bucket  = (*Bucket)(nil)
	_ storage.Checker = (*Bucket)(nil)
)

// New checks cfg and builds the client once; it sends no request (see Check).
// Credentials come from the standard chain unless WithCredentials is given.
func New(ctx context.Context, cfg Config, opts ...Option) (*Bucket, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxAttempts < 1 {
		return nil, fmt.Errorf("s3: max attempts %d, want at least 1", o.maxAttempts)
	}
	prefix, _ := normalizePrefix(cfg.Prefix) // checked by Validate

	var load []func(*config.LoadOptions) error
	if cfg.Region != "" {
		load = append(load, config.WithRegion(cfg.Region))
	}
	if o.credentials != nil {
		load = append(load, config.WithCredentialsProvider(o.credentials))
	}
	if o.httpClient != nil {
		load = append(load, config.WithHTTPClient(o.httpClient))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS config: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	client := s3.NewFromConfig(awsCfg, func(so *s3.Options) {
		if cfg.Endpoint != "" {
			so.BaseEndpoint = aws.String(cfg.Endpoint)
			// Some S3-compatible servers have rejected the flexible
			// checksums the SDK sends by default since early 2025; send
			// them only where an operation requires one. Over plain HTTP
			// SigV4 still signs the payload's SHA-256; over HTTPS, TLS
			// protects it.
			so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
		so.UsePathStyle = cfg.ForcePathStyle
		// A 409 ConditionalRequestConflict means another write of the key
		// was in flight; S3 asks for a retry, whose answer (412 if that
		// write landed) is the real one.
		so.Retryer = retry.AddWithErrorCodes(retry.NewStandard(func(ro *retry.StandardOptions) {
			ro.MaxAttempts = o.maxAttempts
		}), "ConditionalRequestConflict")
		so.RetryMaxAttempts = o.maxAttempts // else AWS_MAX_ATTEMPTS would win
	})
	return &Bucket{client: client, bucket: cfg.Bucket, prefix: prefix}, nil
}

// Client is the SDK client the Bucket uses.
func (b *Bucket) Client() *s3.Client { return b.client }

// name is how errors show an object: "bucket/prefix/key".
func (b *Bucket) name(key string) string { return b.bucket + "/" + b.prefix + key }

// Put stores data with PutObject and If-None-Match: *, so S3 refuses to
// replace an object: 412 PreconditionFailed is storage.ErrExist, and so is a
// 409 ConditionalRequestConflict (another write of the key in flight) that
// outlasts the retries.
// An S3 upload is atomic: the object appears whole or not at all.
//
// If an attempt's object was stored but its reply was lost, the retry is
// refused and Put reports ErrExist although the object holds data; keys with
// a random part, as the layout makes, keep that the only source of ErrExist.
func (b *Bucket) Put(ctx context.Context, key string, data []byte) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("s3: put: %w", err)
	}
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(b.bucket),
		Key:           aws.String(b.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String(contentType(key)),
		IfNoneMatch:   aws.String("*"),
	})
	if err != nil {
		if isExist(err) {
			return fmt.Errorf("s3: put %q: %w", b.name(key), storage.ErrExist)
		}
		return fmt.Errorf("s3: put %q: %w", b.name(key), err)
	}
	return nil
}

func contentType(key string) string {
	if path.Ext(key) == ".parquet" {
		return "application/vnd.apache.parquet"
	}
	return "application/octet-stream"
}

// Get implements storage.Bucket.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	if err := storage.ValidKey(key); err != nil {
		return nil, fmt.Errorf("s3: get: %w", err)
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(b.bucket),
		Key:    aws.String(b.prefix + key),
	})
	if err != nil {
		if isNotExist(err) {
			return nil, fmt.Errorf("s3: get %q: %w", b.name(key), storage.ErrNotExist)
		}
		return nil, fmt.Errorf("s3: get %q: %w", b.name(key), err)
	}
	defer out.Body.Close()
	var buf bytes.Buffer
	if n := aws.ToInt64(out.ContentLength); n > 0 && n < 1<<32 {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(out.Body); err != nil {
		return nil, fmt.Errorf("s3: get %q: read body: %w", b.name(key), err)
	}
	if n := out.ContentLength; n != nil && *n != int64(buf.Len()) {
		return nil, fmt.Errorf("s3: get %q: read %d bytes, Content-Length %d: %w", b.name(key), buf.Len(), *n, io.ErrUnexpectedEOF)
	}
	return buf.Bytes(), nil
}

// Delete implements storage.Bucket.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("s3: delete: %w", err)
	}
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(b.bucket),
		Key:    aws.String(b.prefix + key),
	})
	// S3 answers 204 for a missing key; some compatible servers say 404.
	if err != nil && !isNotExist(err) {
		return fmt.Errorf("s3: delete %q: %w", b.name(key), err)
	}
	return nil
}

// List implements storage.Bucket with ListObjectsV2, page by page.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(b.bucket),
		Prefix: aws.String(b.prefix + prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list %q: %w", b.name(prefix), err)
		}
		for _, obj := range page.Contents {
			k, ok := strings.CutPrefix(aws.ToString(obj.Key), b.prefix)
			// Folder markers ("a/b/") made by other tools are no objects here.
			if !ok || storage.ValidKey(k) != nil {
				continue
			}
			keys = append(keys, k)
		}
	}
	// S3 sorts by UTF-8 bytes, as Go does; compatible servers may not.
	slices.Sort(keys)
	return keys, nil
}

// Check implements storage.Checker with HeadBucket: the bucket exists and
// the credentials may use it.
func (b *Bucket) Check(ctx context.Context) error {
	if _, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.bucket)}); err != nil {
		return fmt.Errorf("s3: check bucket %q: %w", b.bucket, err)
	}
	return nil
}

func isExist(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "PreconditionFailed", "ConditionalRequestConflict":
			return true
		}
	}
	return httpStatus(err) == http.StatusPreconditionFailed
}

func isNotExist(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
		return true
	}
	return httpStatus(err) == http.StatusNotFound && !isNoSuchBucket(err)
}

// isNoSuchBucket keeps a missing bucket, also a 404, from reading as a
// missing object.
func isNoSuchBucket(err error) bool {
	var nsb *types.NoSuchBucket
	if errors.As(err, &nsb) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket"
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
