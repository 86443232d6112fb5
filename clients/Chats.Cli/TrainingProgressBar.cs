using System.Globalization;
using Chats.Training.Training;

namespace Chats.Cli;

/// <summary>A one-line progress bar (step/total, loss, steps/s, ETA) redrawn in place; reports arrive synchronously on the training thread.</summary>
internal sealed class TrainingProgressBar(TextWriter writer) : IProgress<TrainingProgress>
{
    private const int Width = 24;
    private bool _drawn;

    public void Report(TrainingProgress value)
    {
        int filled = value.TotalSteps <= 0 ? Width : (int)Math.Round(Width * Math.Clamp((double)value.Step / value.TotalSteps, 0, 1));
        string eta = value.Eta.TotalHours >= 1 ? value.Eta.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : value.Eta.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
        writer.Write(string.Create(
            CultureInfo.InvariantCulture,
            $"\r[{new string('#', filled)}{new string('.', Width - filled)}] step {value.Step}/{value.TotalSteps}  loss {value.Loss:F4}  {value.StepsPerSecond:F2} steps/s  ETA {eta}  "));
        writer.Flush();
        _drawn = true;
    }

    /// <summary>Ends the bar's line.</summary>
    public void Finish()
    {
        if (_drawn)
        {
            writer.WriteLine();
            _drawn = false;
        }
    }
}
