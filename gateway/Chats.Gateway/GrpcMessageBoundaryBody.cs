using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Chats.Gateway;

/// <summary>
/// The response body as YARP writes it, passed on to the client one whole gRPC message at a time (a 5-byte prefix, then
/// the length it gives). If the sampler dies in the middle of a message, the part already read stays here, so the
/// gateway can still end the call with a status after whole messages rather than after a torn one, which a client
/// would report as a protocol error.
/// </summary>
internal sealed class GrpcMessageBoundaryBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    private const int PrefixLength = 5;
    private readonly ArrayBufferWriter<byte> _partial = new();
    private readonly byte[] _prefix = new byte[PrefixLength];
    private int _prefixFilled;
    private long _bodyRemaining;
    private Stream? _stream;
    private PipeWriter? _writer;

    /// <summary>The feature this one wraps; restored when the call is over.</summary>
    public IHttpResponseBodyFeature Inner => inner;

    /// <summary>Set once the response was completed (after YARP copied the sampler's trailers, or the gateway's own).</summary>
    public bool Completed { get; private set; }

    public Stream Stream => _stream ??= new BoundaryStream(this);

    public PipeWriter Writer => _writer ??= PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true));

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("a gRPC response is not a file");

    /// <summary>Completes the response; a torn last message from a sampler that still sent trailers goes out as it came.</summary>
    public async Task CompleteAsync()
    {
        if (Completed)
        {
            return;
        }

        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }

        if (_partial.WrittenCount > 0)
        {
            await inner.Stream.WriteAsync(_partial.WrittenMemory);
            DiscardPartialMessage();
        }

        Completed = true;
        await inner.CompleteAsync();
    }

    /// <summary>Drops the bytes of a message that will not be completed (its sampler failed), or of a refused attempt.</summary>
    public void DiscardPartialMessage()
    {
        _partial.Clear();
        _prefixFilled = 0;
        _bodyRemaining = 0;
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int take;
            if (_prefixFilled < PrefixLength)
            {
                take = Math.Min(PrefixLength - _prefixFilled, data.Length);
                data.Span[..take].CopyTo(_prefix.AsSpan(_prefixFilled));
                _prefixFilled += take;
                if (_prefixFilled == PrefixLength)
                {
                    _bodyRemaining = BinaryPrimitives.ReadUInt32BigEndian(_prefix.AsSpan(1));
                }
            }
            else
            {
                take = (int)Math.Min(_bodyRemaining, data.Length);
                _bodyRemaining -= take;
            }

            _partial.Write(data.Span[..take]);
            data = data[take..];
            if (_prefixFilled == PrefixLength && _bodyRemaining == 0)
            {
                await inner.Stream.WriteAsync(_partial.WrittenMemory, cancellationToken);
                DiscardPartialMessage();
            }
        }
    }

    private sealed class BoundaryStream(GrpcMessageBoundaryBody body) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            body.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            body.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) =>
            body.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => body.Inner.Stream.FlushAsync(cancellationToken);

        public override void Flush() => body.Inner.Stream.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
