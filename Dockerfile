# A static, non-root image of the standalone server.
#   docker build -t otlp2parquet .
#   docker run -p 4317:4317 -p 4318:4318 -v "$PWD/data:/data" otlp2parquet
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/otlp2parquet ./cmd/otlp2parquet \
 && mkdir -p /out/data

FROM scratch
# CA certificates for S3 over TLS.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/otlp2parquet /otlp2parquet
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV OTLP2PARQUET_HTTP_ADDR=0.0.0.0:4318 \
    OTLP2PARQUET_GRPC_ADDR=0.0.0.0:4317 \
    OTLP2PARQUET_OUTPUT_DIR=/data
VOLUME /data
EXPOSE 4317 4318
ENTRYPOINT ["/otlp2parquet"]
