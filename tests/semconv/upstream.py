"""A small conventions checkout in the upstream layout, and a runner for the refresh script.

The tree mimics `open-telemetry/semantic-conventions` at a release: `model/gen-ai/` with a
registry, a deprecated registry, metrics, events and spans (enums, `extends` chains,
overridden requirement levels, renames across namespaces), the core registries those refer
to, and `docs/gen-ai/gen-ai-metrics.md` with the bucket boundaries in prose.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.generation import REPO

REFRESH = REPO / "schema" / "semconv" / "refresh.py"

FILES = {
    "model/gen-ai/registry.yaml": """
groups:
  - id: registry.gen_ai
    type: attribute_group
    brief: GenAI attributes.
    attributes:
      - id: gen_ai.provider.name
        stability: development
        type:
          members:
            - id: openai
              value: "openai"
              stability: development
              brief: OpenAI
            - id: x_ai
              value: "x_ai"
              stability: development
              brief: xAI
        brief: >
          The Generative AI provider
          as identified by the client.
      - id: gen_ai.request.model
        stability: development
        type: string
        brief: The name of the GenAI model a request is being made to.
      - id: gen_ai.operation.name
        stability: development
        type:
          members:
            - id: chat
              value: "chat"
              stability: development
            - id: execute_tool
              value: "execute_tool"
              stability: development
        brief: The name of the operation being performed.
      - id: gen_ai.token.type
        stability: development
        type:
          members:
            - id: input
              value: "input"
              stability: development
            - id: completion
              value: "output"
              stability: development
              deprecated:
                reason: renamed
                renamed_to: "output"
            - id: output
              value: "output"
              stability: development
        brief: The type of token being counted.
      - id: gen_ai.usage.input_tokens
        stability: development
        type: int
        brief: The number of tokens used in the GenAI input (prompt).
      - id: gen_ai.request.temperature
        stability: development
        type: double
        brief: The temperature setting for the GenAI request.
      - id: gen_ai.request.stop_sequences
        stability: development
        type: string[]
        brief: Stop sequences.
      - id: gen_ai.tool.name
        stability: development
        type: string
        brief: Name of the tool utilized by the agent.
      - id: gen_ai.tool.call.arguments
        stability: development
        type: any
        brief: Parameters passed to the tool call.
""",
    "model/gen-ai/deprecated/registry-deprecated.yaml": """
groups:
  - id: registry.gen_ai.deprecated
    type: attribute_group
    brief: Deprecated GenAI attributes.
    attributes:
      - id: gen_ai.usage.prompt_tokens
        type: int
        stability: development
        deprecated:
          reason: renamed
          renamed_to: gen_ai.usage.input_tokens
        brief: "Deprecated, use `gen_ai.usage.input_tokens` instead."
      - id: gen_ai.prompt
        type: string
        stability: development
        deprecated:
          reason: obsoleted
          note: Removed, no replacement at this time.
        brief: Deprecated.
      - id: gen_ai.openai.response.service_tier
        type: string
        stability: development
        deprecated:
          reason: renamed
          renamed_to: openai.response.service_tier
        brief: "Deprecated, use `openai.response.service_tier`."
""",
    "model/gen-ai/metrics.yaml": """
groups:
  - id: metric_attributes.gen_ai
    type: attribute_group
    brief: GenAI metric attributes.
    attributes:
      - ref: server.address
        requirement_level: recommended
      - ref: gen_ai.request.model
        requirement_level:
          conditionally_required: If available.
      - ref: gen_ai.provider.name
        requirement_level: required
      - ref: gen_ai.operation.name
        requirement_level: required
  - id: metric.gen_ai.client.token.usage
    type: metric
    metric_name: gen_ai.client.token.usage
    annotations:
      code_generation:
        metric_value_type: int
    brief: Number of input and output tokens used.
    instrument: histogram
    unit: "{token}"
    stability: development
    extends: metric_attributes.gen_ai
    attributes:
      - ref: gen_ai.token.type
        requirement_level: required
  - id: metric.gen_ai.client.operation.duration
    type: metric
    metric_name: gen_ai.client.operation.duration
    brief: GenAI operation duration.
    instrument: histogram
    unit: "s"
    stability: development
    extends: metric_attributes.gen_ai
    attributes:
      - ref: error.type
        requirement_level:
          conditionally_required: "if the operation ended in an error"
""",
    "model/gen-ai/spans.yaml": """
groups:
  - id: attributes.gen_ai.inference.client
    type: attribute_group
    brief: Inference attributes.
    attributes:
      - ref: gen_ai.operation.name
        requirement_level: required
      - ref: gen_ai.request.model
        requirement_level:
          conditionally_required: If available.
      - ref: gen_ai.request.temperature
      - ref: gen_ai.usage.input_tokens
        requirement_level: recommended
  - id: span.gen_ai.inference.client
    type: span
    stability: development
    span_kind: client
    brief: A client call to a model.
    note: |
      **Span name** SHOULD be `{gen_ai.operation.name} {gen_ai.request.model}`.
    extends: attributes.gen_ai.inference.client
    attributes:
      - ref: gen_ai.provider.name
        requirement_level: required
      - ref: gen_ai.request.model
        sampling_relevant: true
      - ref: gen_ai.usage.input_tokens
        requirement_level: opt_in
  - id: span.vendor.inference.client
    type: span
    stability: development
    span_kind: client
    brief: A vendor's client span.
    extends: span.gen_ai.inference.client
    attributes:
      - ref: gen_ai.request.stop_sequences
        requirement_level: recommended
  - id: span.gen_ai.execute_tool.internal
    type: span
    stability: development
    span_kind: internal
    brief: Describes tool execution span.
    note: |
      **Span name** SHOULD be `execute_tool {gen_ai.tool.name}`.
    attributes:
      - ref: gen_ai.operation.name
        requirement_level: required
      - ref: gen_ai.tool.name
        requirement_level: required
      - ref: gen_ai.tool.call.arguments
        requirement_level: opt_in
""",
    "model/gen-ai/events.yaml": """
groups:
  - id: event.gen_ai.client.inference.operation.details
    name: gen_ai.client.inference.operation.details
    type: event
    stability: development
    brief: Details of a GenAI completion request.
    extends: attributes.gen_ai.inference.client
""",
    "model/gen-ai/deprecated/events-deprecated.yaml": """
groups:
  - id: event.gen_ai.user.message
    name: gen_ai.user.message
    type: event
    stability: development
    deprecated:
      reason: uncategorized
      note: Chat history is reported on the `gen_ai.input.messages` attribute.
    brief: The user message.
    body:
      id: gen_ai.user.message
      type: map
""",
    "model/server/registry.yaml": """
groups:
  - id: registry.server
    type: attribute_group
    brief: Server attributes.
    attributes:
      - id: server.address
        stability: stable
        type: string
        brief: Server domain name.
      - id: server.unrelated
        stability: stable
        type: int
        brief: Not referenced by any GenAI group.
""",
    "model/error/registry.yaml": """
groups:
  - id: registry.error
    type: attribute_group
    brief: Error attributes.
    attributes:
      - id: error.type
        stability: stable
        type:
          members:
            - id: other
              value: "_OTHER"
              stability: stable
        brief: Describes a class of error the operation ended with.
""",
    "model/openai/registry.yaml": """
groups:
  - id: registry.openai
    type: attribute_group
    brief: OpenAI attributes.
    attributes:
      - id: openai.response.service_tier
        stability: development
        type: string
        brief: The service tier used for the response.
""",
    "docs/gen-ai/gen-ai-metrics.md": """
# Semantic conventions for generative AI metrics

### Metric: `gen_ai.client.token.usage`

This metric is [recommended][MetricRecommended] when an operation involves tokens.

This metric SHOULD be specified with [ExplicitBucketBoundaries] of [1, 4, 16, 64].

<!-- semconv metric.gen_ai.client.token.usage -->
| Name | Instrument Type | Unit |
<!-- endsemconv -->

### Metric: `gen_ai.client.operation.duration`

This metric is [required][MetricRequired].

This metric SHOULD be specified with [ExplicitBucketBoundaries] of
[0.01, 0.02, 1.0, 2.56].

<!-- semconv metric.gen_ai.client.operation.duration -->
| Name | Instrument Type | Unit |
<!-- endsemconv -->
""",
}


def write_checkout(root: Path, files: dict[str, str] | None = None) -> Path:
    for relative, text in (files if files is not None else FILES).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
    return root


def refresh(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run schema/semconv/refresh.py in a child process, as a maintainer would."""
    return subprocess.run(
        [sys.executable, str(REFRESH), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
