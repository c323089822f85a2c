"""What every use case of the surveys module shares: who may see a survey, and its questionnaire."""
