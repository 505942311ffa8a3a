/** The instruction the Flask mailer gave Gemini, kept so that enhanced emails read the same. */
export function buildPrompt(subject: string, text: string): string {
  return [
    'Transform the following plain-text email into a clean, well-formatted HTML email body.',
    'Keep the meaning and the language of the original; do not invent content.',
    'Use simple semantic HTML (paragraphs, headings, lists, emphasis, links). No scripts, no forms, no images.',
    'Answer with the HTML only, without explanations or Markdown code fences.',
    '',
    `Subject: ${subject}`,
    '',
    text,
  ].join('\n');
}

/** Models often wrap HTML in Markdown fences despite the instruction. */
export function stripCodeFences(output: string): string {
  const m = /^\s*```(?:html)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(output);
  return (m ? m[1]! : output).trim();
}
