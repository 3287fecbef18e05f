import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { EngineSettings } from '../settings.ts';

/**
 * Where the providers report what became of each message: the SES configuration set every e-mail
 * names and the End User Messaging configuration set every SMS names, both publishing to one
 * encrypted topic that the feedback function reads. Made in the stack's own scope, so the
 * resources keep their logical ids.
 */
export function deliveryFeedback(stack: Stack, o: { key: kms.IKey; settings: EngineSettings }) {
  const configurationSet = new ses.ConfigurationSet(stack, 'Sending', {
    reputationMetrics: true,
    sendingEnabled: true,
    suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
  });

  // Bounces and complaints → SNS → feedback function → suppression list; deliveries and clicks
  // (opens only when asked for: privacy proxies open every message) → the journeys' counters.
  const feedbackTopic = new sns.Topic(stack, 'DeliveryFeedback', { masterKey: o.key, enforceSSL: true });
  configurationSet.addEventDestination('BouncesAndComplaints', {
    destination: ses.EventDestination.snsTopic(feedbackTopic),
    events: [
      ses.EmailSendingEvent.BOUNCE,
      ses.EmailSendingEvent.COMPLAINT,
      ses.EmailSendingEvent.DELIVERY,
      ses.EmailSendingEvent.CLICK,
      ...(o.settings.trackOpens === 'true' ? [ses.EmailSendingEvent.OPEN] : []),
    ],
  });

  // SMS events (delivered, or accepted where carriers report no more; final failures) → the same
  // topic. The feedback function keeps what it counts and drops the rest.
  const smsConfigurationSet = new smsvoice.CfnConfigurationSet(stack, 'SmsConfigurationSet', {
    ...(o.settings.smsConfigurationSet ? { configurationSetName: o.settings.smsConfigurationSet } : {}),
    eventDestinations: [{ eventDestinationName: 'delivery-feedback', enabled: true, matchingEventTypes: ['TEXT_ALL'], snsDestination: { topicArn: feedbackTopic.topicArn } }],
  });
  feedbackTopic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'SmsEventsOfThisAccount',
      principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [feedbackTopic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(stack).account } },
    }),
  );
  return { configurationSet, feedbackTopic, smsConfigurationSet };
}
