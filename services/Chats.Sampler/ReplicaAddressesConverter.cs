using System.ComponentModel;
using System.Globalization;

namespace Chats.Sampler;

/// <summary>Lets configuration bind the single-value form of <see cref="ReplicaAddresses"/>.</summary>
internal sealed class ReplicaAddressesConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
        => value is string s
            ? new ReplicaAddresses(string.IsNullOrWhiteSpace(s) ? [] : [s.Trim()])
            : base.ConvertFrom(context, culture, value);
}
