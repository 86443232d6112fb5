namespace Chats.Training.Shapes;

/// <summary>The spatial relations of the <c>position</c> category (SPEC §2).</summary>
public enum ShapeRelation
{
    /// <summary><c>left of</c>: dx &gt; 4 and |dx| &gt; |dy|.</summary>
    LeftOf,

    /// <summary><c>right of</c>: dx &lt; -4 and |dx| &gt; |dy|.</summary>
    RightOf,

    /// <summary><c>above</c>: dy &gt; 4 and |dy| &gt; |dx|.</summary>
    Above,

    /// <summary><c>below</c>: dy &lt; -4 and |dy| &gt; |dx|.</summary>
    Below,
}
