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

        /// <summary>"{0} expects {1} input features but receives {2}: {3}" ({3} says where the size came from).</summary>
        public static readonly DiagnosticDescriptor LayerInputMismatch = Error("MG0001",
            "Layer input does not fit", "{0} expects {1} input features but receives {2}: {3}");

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

        // MG0010-MG0015: constructs a traced method cannot contain, one id each, each message saying what to write instead.
        // MG0002 remains for whatever else the tracer cannot read.

        /// <summary>"A loop is not supported in a model's {0}: {1}; write each repeated step out, one call each (a 'for' loop with constant bounds, such as 'for (int i = 0; i &lt; 3; i++)', is unrolled)".</summary>
        public static readonly DiagnosticDescriptor LoopNotTraceable = Error("MG0010",
            "Loop that cannot be unrolled", "A loop is not supported in a model's {0}: {1}; write each repeated step out, one call each (a 'for' loop with constant bounds, such as 'for (int i = 0; i < 3; i++)', is unrolled)");

        /// <summary>"{0} is not supported in a model's {1}: the graph is traced once at build time, so it cannot choose a path at run time; compute the paths with Ops and combine them arithmetically (for example multiply by a 0/1 mask), or declare one model per variant".</summary>
        public static readonly DiagnosticDescriptor DataDependentBranch = Error("MG0011",
            "Branch in a traced method", "{0} is not supported in a model's {1}: the graph is traced once at build time, so it cannot choose a path at run time; compute the paths with Ops and combine them arithmetically (for example multiply by a 0/1 mask), or declare one model per variant");

        /// <summary>"The call to '{0}' is not supported in a model's {1}: {2}; a traced method can call only ModelGen.Ops methods and the Forward of its layer fields, so inline a helper's body or make it a layer field".</summary>
        public static readonly DiagnosticDescriptor UnknownCall = Error("MG0012",
            "Call the tracer does not know", "The call to '{0}' is not supported in a model's {1}: {2}; a traced method can call only ModelGen.Ops methods and the Forward of its layer fields, so inline a helper's body or make it a layer field");

        /// <summary>"{0} is not supported in a model's {1}: a traced body is a straight sequence of 'var t = ...;', 't = ...;' (or 't += ...;') and 'return ...;' over Ops calls, layer calls, tensor locals and numeric constants; move the rest out of the model".</summary>
        public static readonly DiagnosticDescriptor UnsupportedStatement = Error("MG0013",
            "Statement or function the tracer cannot run", "{0} is not supported in a model's {1}: a traced body is a straight sequence of 'var t = ...;', 't = ...;' (or 't += ...;') and 'return ...;' over Ops calls, layer calls, tensor locals and numeric constants; move the rest out of the model");

        /// <summary>"Assigning to {0} is not supported in a model's {1}: the compiled graph does not write the model's fields or layer state; keep intermediate values in locals ('var h = ...;') and return the result".</summary>
        public static readonly DiagnosticDescriptor AssignmentToState = Error("MG0014",
            "Assignment to a field or layer state", "Assigning to {0} is not supported in a model's {1}: the compiled graph does not write the model's fields or layer state; keep intermediate values in locals ('var h = ...;') and return the result");

        /// <summary>"Layer '{0}': argument '{1}' must be a compile-time constant so shapes are known at build time; use a literal or a const field (e.g. 'const int Hidden = 128;')".</summary>
        public static readonly DiagnosticDescriptor NonConstantLayerArgument = Error("MG0015",
            "Layer argument is not a constant", "Layer '{0}': argument '{1}' must be a compile-time constant so shapes are known at build time; use a literal or a const field (e.g. 'const int Hidden = 128;')");

        /// <summary>"{0} cannot be traced: {1}".</summary>
        public static readonly DiagnosticDescriptor RecursiveModel = Error("MG0016",
            "Recursion in a model", "{0} cannot be traced: {1}");

        /// <summary>"The layer list '{0}' cannot be traced: {1}".</summary>
        public static readonly DiagnosticDescriptor UnknownListLength = Error("MG0017",
            "Layer list whose length is not known at build time", "The layer list '{0}' cannot be traced: {1}");

        /// <summary>"'{0}' collides with {1}, which ModelGen generates for {2} '{3}'; rename it".</summary>
        public static readonly DiagnosticDescriptor GeneratedMemberCollision = Error("MG0018",
            "Member that collides with a generated member", "'{0}' collides with {1}, which ModelGen generates for {2} '{3}'; rename it");

        private static DiagnosticDescriptor Warning(string id, string title, string format)
            => new DiagnosticDescriptor(id, title, format, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

        /// <summary>"CrossEntropy expects logits, but receives the output of {0}: it applies log-softmax itself, so the scores are squashed twice; pass the logits".</summary>
        public static readonly DiagnosticDescriptor SoftmaxIntoCrossEntropy = Warning("MG1001",
            "Softmax output passed to CrossEntropy", "CrossEntropy expects logits, but receives the output of {0}: it applies log-softmax itself, so the scores are squashed twice; pass the logits");

        /// <summary>"BCEWithLogits expects logits, but receives the output of Sigmoid: it applies the sigmoid itself; pass the logits".</summary>
        public static readonly DiagnosticDescriptor SigmoidIntoBceWithLogits = Warning("MG1002",
            "Sigmoid output passed to BCEWithLogits", "BCEWithLogits expects logits, but receives the output of Sigmoid: it applies the sigmoid itself; pass the logits");

        /// <summary>"Log(Softmax(x)) is numerically unstable: Softmax can round to 0 and Log then gives -infinity; use LogSoftmax(x)".</summary>
        public static readonly DiagnosticDescriptor LogOfSoftmax = Warning("MG1003",
            "Log of Softmax", "Log(Softmax(x)) is numerically unstable: Softmax can round to 0 and Log then gives -infinity; use LogSoftmax(x)");

        /// <summary>"The bias of '{0}' is cancelled by batch norm '{1}', which subtracts the batch mean; declare '{0}' with bias: false".</summary>
        public static readonly DiagnosticDescriptor BiasBeforeBatchNorm = Warning("MG1004",
            "Bias cancelled by batch norm", "The bias of '{0}' is cancelled by batch norm '{1}', which subtracts the batch mean; declare '{0}' with bias: false");

        /// <summary>"'{0}' follows '{1}' with no nonlinearity between them, so the two collapse into one linear map; add an activation such as Relu".</summary>
        public static readonly DiagnosticDescriptor LinearWithoutNonlinearity = Warning("MG1005",
            "Linear maps without a nonlinearity between", "'{0}' follows '{1}' with no nonlinearity between them, so the two collapse into one linear map; add an activation such as Relu");

        /// <summary>"{0}".</summary>
        public static readonly DiagnosticDescriptor ParametersNeverTrain = Warning("MG1006",
            "Parameters that never train", "{0}");

        /// <summary>"{0}".</summary>
        public static readonly DiagnosticDescriptor DropoutPlacement = Warning("MG1007",
            "Dropout placed where it harms", "{0}");

        /// <summary>"Reshape from {0} to {1} reinterprets memory rather than swapping axes; if a transpose is meant, use Permute(x, {2})".</summary>
        public static readonly DiagnosticDescriptor ReshapeThatSwaps = Warning("MG1008",
            "Reshape where Permute is meant", "Reshape from {0} to {1} reinterprets memory rather than swapping axes; if a transpose is meant, use Permute(x, {2})");

        /// <summary>"{0}: {1}" (opt-in with [Model(Report = true)], or for every model with the MSBuild property ModelGenReport).</summary>
        public static readonly DiagnosticDescriptor ModelReport = new DiagnosticDescriptor("MG2001", "Model report", "{0}: {1}", Category,
            DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpRoot + "MG2001.md");

        /// <summary>"{0}: {1}" (opt-in with [Model(Report = true)]): what CompileOptions.Quantization runs int8 and what stays float32.</summary>
        public static readonly DiagnosticDescriptor Int8Report = new DiagnosticDescriptor("MG2002", "Int8 quantisation report", "{0}: {1}", Category,
            DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpRoot + "MG2002.md");

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
                case "MG0016": return RecursiveModel;
                case "MG0017": return UnknownListLength;
                case "MG0018": return GeneratedMemberCollision;
                case "MG0010": return LoopNotTraceable;
                case "MG0011": return DataDependentBranch;
                case "MG0012": return UnknownCall;
                case "MG0013": return UnsupportedStatement;
                case "MG0014": return AssignmentToState;
                case "MG0015": return NonConstantLayerArgument;
                case "MG1001": return SoftmaxIntoCrossEntropy;
                case "MG1002": return SigmoidIntoBceWithLogits;
                case "MG1003": return LogOfSoftmax;
                case "MG1004": return BiasBeforeBatchNorm;
                case "MG1005": return LinearWithoutNonlinearity;
                case "MG1006": return ParametersNeverTrain;
                case "MG1007": return DropoutPlacement;
                case "MG1008": return ReshapeThatSwaps;
                case "MG2001": return ModelReport;
                case "MG2002": return Int8Report;
                default: return InternalError;
            }
        }
    }
}
