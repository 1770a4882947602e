/**
 * What happens to a signal: episodes and dedup, the bounded quarantine with its audit chain,
 * sinks (SLF4J, the JSONL problem registry, webhook, Micrometer), stats and pattern analysis.
 */
@NullMarked
package dev.argos.signals;

import org.jspecify.annotations.NullMarked;
