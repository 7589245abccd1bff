/**
 * What the page remembers for this browser tab only (sessionStorage: gone when the tab closes, not
 * shared with other tabs): the bearer token and the campaign picked.
 */

const TOKEN = 'alc.token';
const CAMPAIGN = 'alc.campaign';

export const session = {
  token: () => sessionStorage.getItem(TOKEN),
  campaign: () => sessionStorage.getItem(CAMPAIGN),
  signIn(token) {
    sessionStorage.setItem(TOKEN, token);
  },
  pickCampaign(campaignId) {
    sessionStorage.setItem(CAMPAIGN, campaignId);
  },
  forgetCampaign() {
    sessionStorage.removeItem(CAMPAIGN);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(CAMPAIGN);
  },
};
