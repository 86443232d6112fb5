using System.Diagnostics;

namespace Chats.Training.Training;

/// <summary>Runs optimiser steps up to a target step and reports progress with speed and ETA.</summary>
internal static class TrainingLoop
{
    public static void Run(Func<int> currentStep, Func<float> step, int untilStep, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        int start = currentStep();
        var clock = Stopwatch.StartNew();
        while (currentStep() < untilStep)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float loss = step();
            int done = currentStep() - start;
            double rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            var eta = TimeSpan.FromSeconds((untilStep - currentStep()) / Math.Max(rate, 1e-9));
            progress?.Report(new TrainingProgress(currentStep(), untilStep, loss, rate, eta));
        }
    }
}
