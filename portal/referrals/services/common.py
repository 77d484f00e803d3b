"""What the referral services share: policy keys, the number series, document kinds."""

ACKNOWLEDGE_POLICY = "referral.acknowledge"
FEEDBACK_POLICY = "referral.feedback"
SUPPLEMENT_POLICY = "referral.supplement"
NUMBER_SERIES = "referral"

LETTER = "referral_letter"
FEEDBACK_LETTER = "referral_feedback_letter"
