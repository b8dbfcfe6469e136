using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic ModelGen reports. Ids are stable; each has a page docs/diagnostics/MGnnnn.md.
    /// The message format of each is written in its doc comment.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "ModelGen";
        // Pages in this repository: docs/diagnostics/MGnnnn.md.
        private const string HelpRoot = "docs/diagnostics/";

        private static DiagnosticDescriptor Error(string id, string title, string format)
            => new DiagnosticDescriptor(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

        /// <summary>"{0} expects {1} input features but receives {2} from {3}".</summary>
        public static readonly DiagnosticDescriptor LayerInputMismatch = Error("MG0001",
            "Layer input does not fit", "{0} expects {1} input features but receives {2} from {3}");

        /// <summary>"{0} is not supported in a model's {1}: {2}".</summary>
        public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("MG0002",
            "Unsupported construct in a traced method", "{0} is not supported in a model's {1}: {2}");

        /// <summary>"Parameter '{0}' of {1} needs a [Shape(...)] attribute, e.g. [Shape(\"B\", 784)]".</summary>
        public static readonly DiagnosticDescriptor MissingShape = Error("MG0003",
            "Missing [Shape]", "Parameter '{0}' of {1} needs a [Shape(...)] attribute, e.g. [Shape(\"B\", 784)]");

        /// <summary>"Invalid [Shape] on '{0}': {1}".</summary>
        public static readonly DiagnosticDescriptor InvalidShape = Error("MG0004",
            "Invalid [Shape]", "Invalid [Shape] on '{0}': {1}");

        /// <summary>"{0} cannot take these inputs: {1}".</summary>
        public static readonly DiagnosticDescriptor LossInputsMismatch = Error("MG0005",
            "Loss inputs do not fit", "{0} cannot take these inputs: {1}");

        /// <summary>"Operator '{0}' cannot broadcast {1} with {2}: {3}".</summary>
        public static readonly DiagnosticDescriptor BroadcastMismatch = Error("MG0006",
            "Shapes do not broadcast", "Operator '{0}' cannot broadcast {1} with {2}: {3}");

        /// <summary>"Layer '{0}': {1}".</summary>
        public static readonly DiagnosticDescriptor InvalidLayer = Error("MG0007",
            "Invalid layer declaration", "Layer '{0}': {1}");

        /// <summary>"Model '{0}': {1}".</summary>
        public static readonly DiagnosticDescriptor InvalidModel = Error("MG0008",
            "Invalid model declaration", "Model '{0}': {1}");

        /// <summary>"{0} expects {1} but receives {2}".</summary>
        public static readonly DiagnosticDescriptor OperandShapeMismatch = Error("MG0009",
            "Operand shape does not fit", "{0} expects {1} but receives {2}");

        /// <summary>"ModelGen failed on '{0}' ({1}): {2}. This is a bug in ModelGen; please report it.".</summary>
        public static readonly DiagnosticDescriptor InternalError = Error("MG9999",
            "ModelGen internal error", "ModelGen failed on '{0}' ({1}): {2}. This is a bug in ModelGen; please report it.");

        public static DiagnosticDescriptor ById(string id)
        {
            switch (id)
            {
                case "MG0001": return LayerInputMismatch;
                case "MG0002": return UnsupportedConstruct;
                case "MG0003": return MissingShape;
                case "MG0004": return InvalidShape;
                case "MG0005": return LossInputsMismatch;
                case "MG0006": return BroadcastMismatch;
                case "MG0007": return InvalidLayer;
                case "MG0008": return InvalidModel;
                case "MG0009": return OperandShapeMismatch;
                default: return InternalError;
            }
        }
    }
}
