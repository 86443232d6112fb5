namespace Chats.Gateway;

/// <summary>
/// The request body as read so far, so that a call refused by one sampler can be sent to another. Bytes are recorded as
/// YARP reads them for the first sampler (nothing waits for the whole body, so a slow client's call reaches a sampler at
/// once); a later attempt replays them, then goes on reading the client's stream. Beyond the capacity nothing more is
/// kept and the call cannot be retried.
/// </summary>
internal sealed class RequestBodyRecording(Stream source, int capacity)
{
    private byte[] _bytes = [];
    private int _length;

    /// <summary>False once the body outgrew the capacity.</summary>
    public bool Replayable { get; private set; } = true;

    /// <summary>A stream for the next attempt: the recorded bytes, then the rest of the client's body.</summary>
    public Stream OpenReader() => new Reader(this);

    private void Record(ReadOnlySpan<byte> read)
    {
        if (!Replayable)
        {
            return;
        }

        if (_length + read.Length > capacity)
        {
            Replayable = false;
            _bytes = [];
            return;
        }

        if (_length + read.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Min(capacity, Math.Max(_length + read.Length, Math.Max(4096, _bytes.Length * 2))));
        }

        read.CopyTo(_bytes.AsSpan(_length));
        _length += read.Length;
    }

    private sealed class Reader(RequestBodyRecording recording) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (TryReplay(buffer.Span) is int replayed and > 0)
            {
                return replayed;
            }

            int read = await recording.Source.ReadAsync(buffer, cancellationToken);
            recording.Record(buffer.Span[..read]);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (TryReplay(buffer.AsSpan(offset, count)) is int replayed and > 0)
            {
                return replayed;
            }

            int read = recording.Source.Read(buffer, offset, count);
            recording.Record(buffer.AsSpan(offset, read));
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int TryReplay(Span<byte> buffer)
        {
            if (_position >= recording._length)
            {
                return 0;
            }

            if (!recording.Replayable)
            {
                throw new InvalidOperationException("the request body outgrew the retry buffer and cannot be replayed");
            }

            int n = Math.Min(buffer.Length, recording._length - _position);
            recording._bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }

    private Stream Source => source;
}
