/** Amazon States Language as the local engine reads it; types only, so the engine's stores need nothing else from definitions.ts. */
export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  InputPath?: string;
  OutputPath?: string;
  [k: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  [k: string]: unknown;
}

export interface JourneyDefinition {
  journey: string;
  definition: AslDefinition;
  /** Task state name → HANDLER_NAME of the Lambda function it invokes. */
  taskHandlers: Record<string, string>;
}
