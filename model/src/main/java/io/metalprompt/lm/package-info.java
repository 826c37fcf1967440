/**
 * The frozen LM core: GPT-2 and Llama decoder-only models over plain DJL NDArrays (PyTorch engine).
 *
 * <p>Reading order: {@link io.metalprompt.lm.ModelConfig} (one Jackson record per family:
 * {@link io.metalprompt.lm.Gpt2Config}, {@link io.metalprompt.lm.LlamaConfig}, each its HF {@code config.json}) ->
 * {@link io.metalprompt.lm.LanguageModel#forward} (inputs, positions, attention bias, blocks, final norm, head), whose
 * family-specific parts are {@code Positions} (learned rows or RoPE), {@code Block} ({@code Gpt2Block},
 * {@code LlamaBlock}, sharing {@code Attention}) and {@code Norm} -> {@code HfCheckpoint} (Hugging Face tensor names,
 * load/init/save) over {@link io.metalprompt.lm.Safetensors}. A forward pass is driven by
 * {@link io.metalprompt.lm.ForwardInput} / {@link io.metalprompt.lm.ForwardOutput} with a
 * {@link io.metalprompt.lm.KvCache} and an optional {@link io.metalprompt.lm.ProjectionAdapter} (LoRA hook);
 * on top: {@link io.metalprompt.lm.LmTokenizer}, {@link io.metalprompt.lm.BatchScorer},
 * {@link io.metalprompt.lm.Generator} and {@link io.metalprompt.lm.ReferenceCheck}.
 *
 * <p>Rules every caller should know:
 * <ul>
 *   <li>Call {@link io.metalprompt.lm.Djl#ensureOffline()} (the loaders do) before any other DJL use.</li>
 *   <li>Forward results live in the manager of the input arrays; wrap each step in an {@code NDScope}
 *       (and {@code NDScope.unregister} what must outlive it, e.g. a cache).</li>
 *   <li>Every op is differentiable: set {@code requiresGradient} on {@link
 *       io.metalprompt.lm.LanguageModel#parameters()} (or on adapter weights only) and use one
 *       {@code GradientCollector} at a time; PyTorch accumulates gradients, zero them after each update.</li>
 *   <li>fp32 on CPU only; fp16/bf16 are accepted on GPU (see {@link io.metalprompt.lm.LmSettings}).</li>
 *   <li>Masks: 1 = real position. Right-pad token batches; a cache's mask may have holes, and each row's
 *       positions continue after its own number of real cached positions.</li>
 * </ul>
 */
package io.metalprompt.lm;
