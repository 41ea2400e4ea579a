-- Per-user chat preferences, one row per auth user.

CREATE TABLE IF NOT EXISTS public.profiles (
    id UUID PRIMARY KEY REFERENCES auth.users(id) ON DELETE CASCADE,
    subscription_tier VARCHAR(20) DEFAULT 'free',
    ui_preferences JSONB DEFAULT '{}'::jsonb,
    session_preferences JSONB DEFAULT '{}'::jsonb,
    default_model TEXT DEFAULT 'deepseek/deepseek-r1-0528:free',
    temperature DECIMAL(3,2) DEFAULT 0.7 CHECK (temperature >= 0 AND temperature <= 2),
    allowed_models TEXT[] DEFAULT ARRAY['deepseek/deepseek-r1-0528:free'],
    system_prompt TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
    updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL
);

COMMENT ON TABLE public.profiles IS 'Chat preferences per user.';
COMMENT ON COLUMN public.profiles.allowed_models IS 'Models the user may pick; hard-coded per tier.';

CREATE INDEX idx_profiles_subscription_tier ON public.profiles (subscription_tier);
