import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Time limits of every call to a messaging provider or Step Functions. A provider that stops
 * answering must cost less than the function's own timeout, so the step can still record
 * `delivery_uncertain` and carry on instead of being killed mid-send.
 */
export const PROVIDER_CALLS = {
  /** No connection within this time: nothing was sent, the SDK retries. */
  connectionTimeoutMs: 1_500,
  /** Connected, no answer within this time: the message may have gone out. */
  requestTimeoutMs: 4_000,
  maxAttempts: 2,
} as const;

/** The longest one provider call can take, retries and backoff included (the SDK's backoff is under 1 s at two attempts). */
export function worstProviderCallMs(): number {
  return PROVIDER_CALLS.maxAttempts * (PROVIDER_CALLS.connectionTimeoutMs + PROVIDER_CALLS.requestTimeoutMs) + 1_000;
}

function handler(): NodeHttpHandler {
  // throwOnRequestTimeout: without it the handler only warns at requestTimeout and the call waits
  // for the socket's own timeout (minutes), long past the function's.
  return new NodeHttpHandler({ connectionTimeout: PROVIDER_CALLS.connectionTimeoutMs, requestTimeout: PROVIDER_CALLS.requestTimeoutMs, throwOnRequestTimeout: true });
}

/** The one place the engine's provider clients are made; region and endpoints come from the Lambda environment. */
export const providerClients = {
  ses: () => new SESv2Client({ requestHandler: handler(), maxAttempts: PROVIDER_CALLS.maxAttempts }),
  sms: () => new PinpointSMSVoiceV2Client({ requestHandler: handler(), maxAttempts: PROVIDER_CALLS.maxAttempts }),
  events: () => new EventBridgeClient({ requestHandler: handler(), maxAttempts: PROVIDER_CALLS.maxAttempts }),
  sfn: () => new SFNClient({ requestHandler: handler(), maxAttempts: PROVIDER_CALLS.maxAttempts }),
};
